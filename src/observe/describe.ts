/** Errors as log fields: what failed and where, never the data it failed on. */
import { EdgeqError } from '../errors.js';
import { logSafe } from '../handlers/errors.js';
import { describe } from '../runtime/runtime.js';

/**
 * An error for a log line: the runtime's `describe` (credentials redacted, drizzle's query
 * parameters dropped), then `logSafe` (first line, quoted text elided, clipped). A storage
 * failure is described by its cause: the `driver_unavailable` error itself only says that the
 * store failed, which the line's `code` says already.
 *
 * @example log.error('tick failed', { cause: describeError(err) })
 */
export function describeError(err: unknown): string {
  const e =
    err instanceof EdgeqError && err.code === 'driver_unavailable' && err.cause !== undefined
      ? err.cause
      : err;
  return logSafe(describe(e));
}
