/**
 * Standard Webhooks signing and verification (https://www.standardwebhooks.com), web-standard
 * APIs only (WebCrypto), so it runs in Workers, Node, Deno and Bun alike.
 *
 * What it guarantees:
 * - `sign` produces `webhook-id`, `webhook-timestamp` and `webhook-signature` headers where the
 *   signature is `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, once per secret,
 *   space-separated. Signing with the old and the new secret during a rotation lets a receiver
 *   holding either one verify, so secrets can be rotated without dropping deliveries.
 * - `verify` accepts a message only if its headers are present and well formed, its timestamp is
 *   within `toleranceSeconds` of `now` in BOTH directions (bounds replay of a captured delivery,
 *   and a far-future timestamp cannot extend that window), and at least one `v1,` signature is
 *   an HMAC of exactly these id, timestamp and body bytes under one of the secrets. Other
 *   signature versions (e.g. `v1a,` asymmetric) are ignored, never trusted.
 * - HMACs are compared with `crypto.subtle.verify`, which compares in constant time, so timing
 *   reveals nothing about how much of a forged signature was right.
 * - Every failure is a `WebhookVerificationError` with a stable `reason` and a message that
 *   never includes a secret or the body. A bad secret (not base64, empty) is a configuration
 *   error: it throws a plain `TypeError` naming the problem, never the secret.
 */

const PREFIX = 'whsec_';
const SIGNATURE_BYTES = 32; // HMAC-SHA256
/** Cap on signatures inspected per message, so a hostile header cannot make us do unbounded work. */
const MAX_SIGNATURES = 16;
/** Ids travel in a header and in the signed content: printable ASCII, no spaces. */
const ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

export type VerificationReason =
  | 'missing_headers'
  | 'invalid_headers'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: VerificationReason,
    message: string,
  ) {
    super(message);
  }
}

export interface SignInput {
  id: string;
  /** Unix time in seconds. */
  timestamp: number;
  body: string;
  /** One secret normally; old and new during a rotation. */
  secrets: string[];
}

export interface VerifyInput {
  headers: Headers | Record<string, string | undefined>;
  body: string;
  secrets: string[];
  /** Unix time in seconds; defaults to the clock. */
  now?: number;
  toleranceSeconds?: number;
}

/** A new `whsec_` secret: 32 random bytes, base64. */
export function generateSecret(): string {
  const key = new Uint8Array(32);
  crypto.getRandomValues(key);
  return PREFIX + toBase64(key);
}

/** The raw HMAC key of a `whsec_<base64>` or bare base64 secret. */
export function decodeSecret(secret: string): Uint8Array {
  const b64 = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  const key = fromBase64(b64);
  if (!key) throw new TypeError('webhook secret is not valid base64 (expected whsec_<base64>)');
  if (key.length === 0) throw new TypeError('webhook secret is empty');
  return key;
}

export async function sign(input: SignInput): Promise<Record<string, string>> {
  const { id, timestamp, body, secrets } = input;
  if (!ID_PATTERN.test(id)) throw new TypeError('webhook id must be 1-256 printable ASCII chars');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError('webhook timestamp must be a non-negative integer (seconds)');
  }
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is required');
  const data = content(id, timestamp, body);
  const signatures: string[] = [];
  for (const secret of secrets) {
    const key = await importKey(secret);
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, data));
    signatures.push(`v1,${toBase64(mac)}`);
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  };
}

export async function verify(input: VerifyInput): Promise<{ id: string; timestamp: number }> {
  const { body, secrets, toleranceSeconds = 300 } = input;
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (secrets.length === 0) throw new TypeError('at least one webhook secret is required');
  const id = header(input.headers, 'webhook-id');
  const ts = header(input.headers, 'webhook-timestamp');
  const sig = header(input.headers, 'webhook-signature');
  if (!id || !ts || !sig) {
    const missing = [!id && 'webhook-id', !ts && 'webhook-timestamp', !sig && 'webhook-signature'];
    const names = missing.filter(Boolean).join(', ');
    throw new WebhookVerificationError('missing_headers', `missing header(s): ${names}`);
  }
  if (!ID_PATTERN.test(id)) {
    throw new WebhookVerificationError('invalid_headers', 'webhook-id is malformed');
  }
  if (!/^\d{1,15}$/.test(ts)) {
    throw new WebhookVerificationError('invalid_headers', 'webhook-timestamp is not an integer');
  }
  const timestamp = Number(ts);
  if (now - timestamp > toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `webhook-timestamp is ${now - timestamp}s old (tolerance ${toleranceSeconds}s)`,
    );
  }
  if (timestamp - now > toleranceSeconds) {
    throw new WebhookVerificationError(
      'timestamp_too_new',
      `webhook-timestamp is ${timestamp - now}s in the future (tolerance ${toleranceSeconds}s)`,
    );
  }
  const candidates: Uint8Array[] = [];
  // Space-separated per the spec; a trailing comma appears when a proxy joined repeated headers.
  for (const part of sig.split(/\s+/).slice(0, MAX_SIGNATURES)) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const mac = fromBase64(part.slice(comma + 1).replace(/,$/, ''));
    if (mac && mac.length === SIGNATURE_BYTES) candidates.push(mac);
  }
  if (candidates.length > 0) {
    const data = content(id, timestamp, body);
    for (const secret of secrets) {
      const key = await importKey(secret);
      for (const mac of candidates) {
        // Constant-time comparison inside WebCrypto.
        if (await crypto.subtle.verify('HMAC', key, mac as BufferSource, data)) {
          return { id, timestamp };
        }
      }
    }
  }
  throw new WebhookVerificationError(
    'no_matching_signature',
    candidates.length === 0
      ? 'webhook-signature holds no well-formed v1 signature'
      : 'no v1 signature matches any secret',
  );
}

function content(id: string, timestamp: number, body: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${id}.${timestamp}.${body}`);
}

function importKey(secret: string): Promise<CryptoKey> {
  const raw = decodeSecret(secret);
  return crypto.subtle.importKey(
    'raw',
    raw as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | undefined>;
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === name) {
      const value = record[key];
      return typeof value === 'string' ? value.trim() : undefined;
    }
  }
  return undefined;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Strict standard base64 (padding optional); null when malformed. */
function fromBase64(b64: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 === 1) return null;
  try {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
