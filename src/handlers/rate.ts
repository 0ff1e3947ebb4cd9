/**
 * Per-token rate limits by GCRA (the generic cell rate algorithm): one number per token, the
 * theoretical arrival time of its next request. A token with `{ limit, per }` may send `limit`
 * requests at once, then one every `per / limit`.
 *
 * The state lives in this process (one isolate of a Worker, one `edgeq serve`), not in the store:
 * keeping it there would cost a storage round trip per request. A client spread over N isolates
 * can reach up to N times its limit, so the limit is approximate across a deployment and exact
 * within one instance.
 */
import type { MiddlewareHandler } from 'hono';
import { EdgeqError } from '../errors.js';
import type { AppEnv } from './auth.js';
import { errorResponse } from './errors.js';
import type { TokenRate } from './tokens.js';

const PER_MS = { second: 1_000, minute: 60_000 } as const;

export class RateLimiter {
  /** Keyed by the scope object, so state is bounded by the number of configured tokens. */
  readonly #tat = new WeakMap<object, number>();

  constructor(private readonly now: () => number) {}

  /**
   * Counts one request against `rate`. Returns 0 when it is allowed, else the milliseconds until
   * the next request would be.
   */
  take(key: object, rate: TokenRate): number {
    const now = this.now();
    const windowMs = PER_MS[rate.per];
    const interval = windowMs / rate.limit;
    // An idle (or new) token starts from now: idle time banks no more than one full burst.
    const tat = Math.max(this.#tat.get(key) ?? now, now) + interval;
    const wait = tat - now - windowMs;
    // The epsilon absorbs float error in `windowMs / limit` summed `limit` times.
    if (wait > 1e-6) return wait;
    this.#tat.set(key, tat);
    return 0;
  }
}

/** Answers 429 `rate_limited` with `Retry-After` (whole seconds) when the token is over its rate. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = c.get('scope');
    if (!scope.rate) return next();
    const waitMs = limiter.take(scope, scope.rate);
    if (waitMs === 0) return next();
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    c.header('Retry-After', String(seconds));
    const { limit, per } = scope.rate;
    return errorResponse(
      c,
      new EdgeqError(
        'rate_limited',
        `this token may make ${limit} requests per ${per}; retry in ${seconds} s`,
      ),
    );
  };
}
