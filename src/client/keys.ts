/** Idempotency keys the client mints for jobs that carry none, so an enqueue can be retried. */

/** Marks a key as minted by this client (it shows as the job's `key`). */
export const AUTO_KEY_PREFIX = 'auto:';

/**
 * A random key: `randomUUID` where the platform has it (Workers, Node, Deno, Bun, and browsers in
 * a secure context), else 128 bits from `getRandomValues` (browsers on plain http).
 */
export function newKey(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return AUTO_KEY_PREFIX + c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return AUTO_KEY_PREFIX + hex;
}
