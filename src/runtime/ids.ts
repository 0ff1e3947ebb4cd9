/**
 * Job ids and lease tokens, minted by the runtime (never by a driver) so a retried call re-sends
 * the same id and stays idempotent.
 *
 * Job ids are time-ordered (48-bit ms timestamp + per-process counter + random, 26 chars of
 * Crockford base32, like ULID): ordering by id is FIFO within one runtime and roughly FIFO
 * across runtimes, which is all edgeq promises. Lease tokens are 128 random bits.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastMs = -1;
let counter = 0;

function encode(value: number, chars: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

// Random bytes are drawn from a pool refilled 4 KiB at a time: one getRandomValues call per id
// was 4% of an enqueue's CPU in `edgeq serve`. Filled lazily, never in global scope, where
// Workers allow no randomness.
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

function randomBytes(n: number): Uint8Array {
  if (poolAt + n > POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  const out = POOL.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

function randomChars(n: number): string {
  let out = '';
  for (const b of randomBytes(n)) out += ALPHABET[b & 31];
  return out;
}

/** A new time-ordered job id. `ms` is the runtime's clock, so injected clocks order ids too. */
export function newJobId(ms: number): string {
  // Within one ms a counter keeps ids strictly increasing; 2^20 ids per ms is plenty.
  if (ms <= lastMs) {
    counter++;
  } else {
    lastMs = ms;
    counter = 0;
  }
  return encode(Math.max(ms, lastMs), 10) + encode(counter % 2 ** 20, 4) + randomChars(12);
}

/** A new unguessable lease token (128 bits, hex). */
export function newLeaseToken(): string {
  let out = '';
  for (const b of randomBytes(16)) out += b.toString(16).padStart(2, '0');
  return out;
}
