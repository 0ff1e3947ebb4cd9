/**
 * Dashboard sessions without server state and without the token in the cookie.
 *
 * A session is `<expiry>.<mac>`: the expiry in epoch seconds and an HMAC-SHA256 of it, keyed by
 * the SHA-256 digest of the admin token that logged in (the digest the token check already
 * holds, src/handlers/auth.ts). Any instance that has the same tokens can verify it, so it works
 * across Worker isolates and restarts. The cookie reveals nothing about the token, cannot be
 * replayed as a bearer token, and dies with the token: removing or rotating a token ends its
 * sessions. It cannot be revoked one by one: logout clears the cookie in the browser, and a
 * copied value stays valid until it expires.
 *
 * @example
 * const value = await signSession(entry, rt.now());
 * const scope = await verifySession(value, await check.entries(), rt.now());
 */
import type { TokenEntry } from '../handlers/auth.js';
import type { Scope } from '../handlers/tokens.js';

/** How long a login lasts: a working day, then the token is asked for again. */
export const SESSION_TTL_MS = 8 * 3_600_000;

// The key is the token's digest, which also authenticates API calls; the fixed prefix keeps a
// session MAC from ever meaning anything else under that key.
const PURPOSE = 'edgeq-dashboard-session/v1/';
const FORMAT = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

const keys = new WeakMap<TokenEntry, Promise<CryptoKey>>();

function keyOf(entry: TokenEntry): Promise<CryptoKey> {
  let key = keys.get(entry);
  if (!key) {
    key = crypto.subtle.importKey('raw', entry.digest, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keys.set(entry, key);
  }
  return key;
}

const message = (expires: number) => new TextEncoder().encode(`${PURPOSE}${expires}`);

function base64url(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** Only tokens with the admin right may hold a session. */
export const mayLogIn = (scope: Scope): boolean => scope.rights.has('admin');

/** A session value for `entry`, valid for SESSION_TTL_MS from `now` (epoch ms). */
export async function signSession(entry: TokenEntry, now: number): Promise<string> {
  const expires = Math.floor((now + SESSION_TTL_MS) / 1000);
  const mac = await crypto.subtle.sign('HMAC', await keyOf(entry), message(expires));
  return `${expires}.${base64url(mac)}`;
}

/**
 * The scope of the token that signed `value`, or undefined when it is malformed, expired, or
 * signed by no configured admin token. Every admin entry is checked, with no early exit, and
 * each check is WebCrypto's own constant-time verify.
 */
export async function verifySession(
  value: string | undefined,
  entries: readonly TokenEntry[],
  now: number,
): Promise<Scope | undefined> {
  const m = value ? FORMAT.exec(value) : null;
  if (!m) return undefined;
  const expires = Number(m[1]);
  const nowS = now / 1000;
  // A value from further ahead than one TTL was not issued here (or the clock jumped back).
  if (expires <= nowS || expires > nowS + SESSION_TTL_MS / 1000 + 60) return undefined;
  const mac = fromBase64url(m[2]!);
  const data = message(expires);
  const checks = await Promise.all(
    entries.map(async (e) =>
      mayLogIn(e.scope) && (await crypto.subtle.verify('HMAC', await keyOf(e), mac, data))
        ? e.scope
        : undefined,
    ),
  );
  return checks.find((s) => s !== undefined);
}
