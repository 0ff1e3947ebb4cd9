/**
 * Bearer-token auth: resolves the presented token to a scope (namespace, rights, queues). Tokens
 * are compared in constant time: the presented token is hashed with SHA-256 and its digest
 * compared with every configured token's digest, all of them, without early exit, so neither
 * the content nor the length of a configured token, nor which one matched, leaks through timing.
 */
import type { MiddlewareHandler } from 'hono';
import { EdgeqError } from '../errors.js';
import { isLoopbackHost } from './loopback.js';
import { ADMIN_SCOPE, parseTokens, type Scope, scopeOf, type TokenConfig } from './tokens.js';

export interface AuthOptions {
  /** The admin token of namespace `default` (from `EDGEQ_TOKEN`). */
  token?: string | undefined;
  /** Scoped tokens (from `EDGEQ_TOKENS`), checked when the app is created. */
  tokens?: TokenConfig[] | undefined;
  /**
   * Accept requests without a token, from loopback Host names only (see ./loopback.ts). Only
   * `edgeq serve` sets this, and only while it listens on loopback; a Worker never runs open.
   * Ignored when any token is configured.
   */
  open?: boolean;
  /** What to tell a caller when no token is configured (names the secret to set). */
  missingTokenHint?: string;
}

/** Hono variables set by the auth middleware and the route guards (./scope.ts). */
export interface AppEnv {
  Variables: {
    scope: Scope;
    /** Set only by a route guard, so a route without one cannot act in any namespace. */
    ns: string;
  };
}

async function digest(s: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
}

function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time string equality. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  return equalDigests(da, db);
}

const RECENT_DIGESTS = 64;

interface Entry {
  secret: string;
  scope: Scope;
}

/** A configured token as the check keeps it: its SHA-256 digest (never the secret) and scope. */
export interface TokenEntry {
  readonly digest: Uint8Array<ArrayBuffer>;
  readonly scope: Scope;
}

/**
 * The configured tokens, checked when created and hashed on first use. One per app: the bearer
 * middleware and the dashboard's login (src/dashboard) share it, so both resolve tokens the same
 * constant-time way.
 *
 * @example
 * const check = tokenCheck({ token: env.EDGEQ_TOKEN });
 * const scope = await check.resolve(presented); // undefined for an unknown token
 */
export interface TokenCheck {
  /** Whether any token is configured (else the app is open or refuses everything). */
  readonly configured: boolean;
  /** The scope `token` grants, or undefined; compares against every digest, no early exit. */
  resolve(token: string): Promise<Scope | undefined>;
  /** Every configured token's digest and scope, in configuration order. */
  entries(): Promise<readonly TokenEntry[]>;
}

/** Checks the token configuration now (a bad one fails at startup) and returns its check. */
export function tokenCheck(opts: AuthOptions): TokenCheck {
  const admin = opts.token === undefined || opts.token === '' ? undefined : opts.token;
  const scoped = parseTokens(opts.tokens ?? [], 'tokens', admin);
  let pending: Entry[] | undefined = [
    ...(admin === undefined ? [] : [{ secret: admin, scope: ADMIN_SCOPE }]),
    ...scoped.map((t) => ({ secret: t.token, scope: scopeOf(t) })),
  ];
  const configured = pending.length > 0;
  // Hashed on the first request rather than here: Workers allow no crypto in global scope, where
  // an app may be created. The plain secrets are dropped once hashed.
  let table: Promise<TokenEntry[]> | undefined;
  const digests = () => {
    if (!table) {
      const entries = pending ?? [];
      pending = undefined;
      table = Promise.all(
        entries.map(async (e) => ({ digest: await digest(e.secret), scope: e.scope })),
      );
    }
    return table;
  };

  // Digests of recently presented tokens. Hashing is asynchronous (a thread-pool job on Node)
  // and was a sixth of an enqueue's CPU in `edgeq serve`; clients present the same few tokens
  // over and over. Bounded, so a flood of random tokens cannot grow it; a hit still compares
  // against every configured digest, so timing says nothing about the configured tokens.
  const recent = new Map<string, Uint8Array>();
  const presentedDigest = async (token: string) => {
    let d = recent.get(token);
    if (!d) {
      d = await digest(token);
      if (recent.size >= RECENT_DIGESTS) recent.clear();
      recent.set(token, d);
    }
    return d;
  };

  return {
    configured,
    entries: digests,
    async resolve(token) {
      const [presented, entries] = await Promise.all([presentedDigest(token), digests()]);
      let found: Scope | undefined;
      for (const e of entries) {
        // Every entry is compared: no early exit on a match.
        if (equalDigests(presented, e.digest)) found = e.scope;
      }
      return found;
    },
  };
}

/**
 * Checks the configuration now (so a bad one fails at startup) and returns the auth middleware.
 * Pass `check` to share one token table with other routes (the dashboard's login).
 */
export function bearerAuth(
  opts: AuthOptions,
  check: TokenCheck = tokenCheck(opts),
): MiddlewareHandler<AppEnv> {
  const { configured } = check;
  return async (c, next) => {
    if (!configured) {
      if (!opts.open) {
        throw new EdgeqError(
          'unauthorized',
          opts.missingTokenHint ?? 'edgeq has no token configured: set EDGEQ_TOKEN or EDGEQ_TOKENS',
        );
      }
      if (!isLoopbackHost(new URL(c.req.url).hostname)) {
        // A browser on a page whose DNS name was rebound to 127.0.0.1 sends that page's Host.
        throw new EdgeqError(
          'forbidden',
          'edgeq runs without a token, so it answers loopback host names only (127.0.0.1, localhost); set EDGEQ_TOKEN to serve other names',
        );
      }
      c.set('scope', ADMIN_SCOPE);
      return next();
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new EdgeqError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    }
    const found = await check.resolve(match[1]!);
    if (!found) throw new EdgeqError('unauthorized', 'invalid token');
    c.set('scope', found);
    return next();
  };
}
