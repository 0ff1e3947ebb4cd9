/**
 * Route guards: each route names the right it needs and how far it reaches, and only the guard
 * hands out the namespace the route acts in (`nsOf`), so a route without a guard fails closed.
 *
 * Reach:
 * - `queue`: the `:queue` path parameter must be in the token's queue list, if it has one.
 * - `self`: no queue in the path; the route keeps to the token's queues itself. Job routes check
 *   the job's queue where they read it (get, cancel) with `allowQueue`; ack, nack and extend are
 *   fenced by the lease token, which only a claim on an allowed queue hands out. `GET /v1/queues`
 *   filters its answer to the token's queues.
 * - `namespace`: spans every queue of the namespace (schedules): needs a token without a queue
 *   list.
 * - `global`: spans every namespace (the tick, whose counts cover all tenants): needs an admin of
 *   namespace `default` without a queue list.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { EdgeqError } from '../errors.js';
import { DEFAULT_NAMESPACE } from '../runtime/config.js';
import type { AppEnv } from './auth.js';
import { queueParam } from './params.js';
import type { Right, Scope } from './tokens.js';

export type Reach = 'queue' | 'self' | 'namespace' | 'global';

/** Throws 403 unless the scope holds `right`. */
export function needRight(scope: Scope, right: Right): void {
  if (!scope.rights.has(right)) {
    throw new EdgeqError('forbidden', `this token lacks the ${right} right`);
  }
}

/** Whether the scope may use `queue`. */
export function mayUse(scope: Scope, queue: string): boolean {
  return scope.queues === undefined || scope.queues.has(queue);
}

/** Throws 403 unless the request's token may use `queue`. */
export function allowQueue(c: Context<AppEnv>, queue: string): void {
  if (!mayUse(c.get('scope'), queue)) {
    throw new EdgeqError('forbidden', `this token may not use queue ${queue}`);
  }
}

export function guard(right: Right, reach: Reach): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = c.get('scope');
    needRight(scope, right);
    if (reach === 'queue') allowQueue(c, queueParam(c));
    if ((reach === 'namespace' || reach === 'global') && scope.queues) {
      throw new EdgeqError(
        'forbidden',
        'this route spans every queue; it needs a token without a queue list',
      );
    }
    if (reach === 'global' && scope.ns !== DEFAULT_NAMESPACE) {
      throw new EdgeqError(
        'forbidden',
        `this route works across every namespace; it needs an admin token of namespace ${DEFAULT_NAMESPACE}`,
      );
    }
    c.set('ns', scope.ns);
    return next();
  };
}

/** The namespace the guarded route acts in. */
export function nsOf(c: Context<AppEnv>): string {
  const ns = c.get('ns');
  // A route without a guard is a bug: refuse rather than act in some namespace.
  if (ns === undefined) throw new Error('route has no scope guard');
  return ns;
}
