/**
 * Bearer-token auth. Tokens are compared in constant time: both sides are hashed with SHA-256
 * and the digests compared without early exit, so neither the content nor the length of the
 * configured token leaks through timing.
 */
import type { MiddlewareHandler } from 'hono';
import { EdgeqError } from '../errors.js';

export interface AuthOptions {
  /** The admin token (from `EDGEQ_TOKEN`). */
  token?: string | undefined;
  /**
   * Accept requests without a token. Only `edgeq serve` sets this, and only while it listens on
   * loopback; a Worker never runs open.
   */
  open?: boolean;
  /** What to tell a caller when no token is configured (names the secret to set). */
  missingTokenHint?: string;
}

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
}

/** Constant-time string equality. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da[i]! ^ db[i]!;
  return diff === 0;
}

export function bearerAuth(opts: AuthOptions): MiddlewareHandler {
  return async (c, next) => {
    if (opts.token === undefined || opts.token === '') {
      if (opts.open) return next();
      throw new EdgeqError(
        'unauthorized',
        opts.missingTokenHint ?? 'edgeq has no admin token configured: set EDGEQ_TOKEN',
      );
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new EdgeqError('unauthorized', 'missing bearer token (Authorization: Bearer <token>)');
    }
    if (!(await safeEqual(match[1]!, opts.token))) {
      throw new EdgeqError('unauthorized', 'invalid token');
    }
    return next();
  };
}
