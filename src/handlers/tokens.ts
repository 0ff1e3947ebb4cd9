/**
 * Scoped tokens: who may do what, in which namespace. Configured as secrets (`EDGEQ_TOKEN`, the
 * admin of namespace `default`, and `EDGEQ_TOKENS`, a JSON array of scoped tokens) or passed to
 * `createApp({ tokens })`. Checked once at startup; a mistake stops startup with a message that
 * names the entry and field but never echoes a configured value, since any of them may be a
 * token pasted in the wrong place.
 */
import { DEFAULT_NAMESPACE, QUEUE_NAME } from '../runtime/config.js';

export const RIGHTS = ['enqueue', 'consume', 'admin'] as const;
/** enqueue: POST jobs. consume: claim, ack, nack, extend, read a job. admin: everything else. */
export type Right = (typeof RIGHTS)[number];

/** A per-token rate: `limit` requests per second or minute, with bursts up to `limit`. */
export interface TokenRate {
  limit: number;
  per: 'second' | 'minute';
}

/** One scoped token as configured. */
export interface TokenConfig {
  /** The bearer secret: 16 to 512 visible ASCII characters. */
  token: string;
  /** The namespace every request with this token acts in. */
  ns: string;
  rights: Right[];
  /** Only these queues (default: every queue of the namespace). */
  queues?: string[];
  rate?: TokenRate;
}

/** What a request may do: the resolved form of a token. */
export interface Scope {
  ns: string;
  rights: ReadonlySet<Right>;
  /** Allowed queues; undefined means all of the namespace. */
  queues?: ReadonlySet<string>;
  rate?: TokenRate;
}

/** `EDGEQ_TOKEN`: the admin of namespace `default`, unlimited, as before scoped tokens. */
export const ADMIN_SCOPE: Scope = { ns: DEFAULT_NAMESPACE, rights: new Set(RIGHTS) };

const FIELDS = new Set(['token', 'ns', 'rights', 'queues', 'rate']);
const TOKEN_CHARS = /^[\x21-\x7e]{16,512}$/;
const FORMAT =
  'an array of {"token","ns","rights":["enqueue"|"consume"|"admin"],"queues"?,"rate"?}';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One entry, checked field by field; `at` is how messages name it (`EDGEQ_TOKENS[2]`). */
function parseEntry(raw: unknown, at: string): TokenConfig {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${at}${field ? `.${field}` : ''} ${problem}`);
  };
  if (!isRecord(raw)) return fail('', `must be an object: ${FORMAT}`);
  // The unknown key is not named: it could be a secret pasted as a key.
  if (Object.keys(raw).some((k) => !FIELDS.has(k))) {
    fail('', 'has a field other than token, ns, rights, queues and rate');
  }
  if (typeof raw.token !== 'string' || !TOKEN_CHARS.test(raw.token)) {
    fail('token', 'must be 16 to 512 visible ASCII characters (no spaces)');
  }
  if (typeof raw.ns !== 'string' || !QUEUE_NAME.test(raw.ns)) {
    fail('ns', 'must be 1 to 128 characters of A-Z a-z 0-9 _ . -');
  }
  const rights = raw.rights;
  if (!Array.isArray(rights) || rights.length === 0) {
    return fail('rights', 'must be a non-empty array of "enqueue", "consume", "admin"');
  }
  rights.forEach((r, i) => {
    if (!RIGHTS.includes(r as Right))
      fail(`rights[${i}]`, 'is not "enqueue", "consume" or "admin"');
  });
  const entry: TokenConfig = {
    token: raw.token as string,
    ns: raw.ns as string,
    rights: [...new Set(rights as Right[])],
  };
  if (raw.queues !== undefined) {
    const queues = raw.queues;
    if (!Array.isArray(queues) || queues.length === 0) {
      return fail('queues', 'must be a non-empty array of queue names (omit it for every queue)');
    }
    queues.forEach((q, i) => {
      if (typeof q !== 'string' || !QUEUE_NAME.test(q)) {
        fail(`queues[${i}]`, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . -');
      }
    });
    entry.queues = [...new Set(queues as string[])];
  }
  if (raw.rate !== undefined) entry.rate = parseRate(raw.rate, `${at}.rate`);
  return entry;
}

function parseRate(raw: unknown, at: string): TokenRate {
  if (!isRecord(raw) || Object.keys(raw).some((k) => k !== 'limit' && k !== 'per')) {
    throw new Error(`${at} must be {"limit": <requests>, "per": "second" | "minute"}`);
  }
  const { limit, per } = raw;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw new Error(`${at}.limit must be a whole number of requests, at least 1`);
  }
  if (per !== 'second' && per !== 'minute') {
    throw new Error(`${at}.per must be "second" or "minute"`);
  }
  return { limit, per };
}

/**
 * Checks scoped tokens and the admin token together; throws an Error whose message names the
 * entry and field (`EDGEQ_TOKENS[1].rights[0] is not ...`) and never a configured value.
 */
export function parseTokens(raw: unknown, source = 'tokens', admin?: string): TokenConfig[] {
  if (!Array.isArray(raw)) throw new Error(`${source} must be ${FORMAT}`);
  const entries = raw.map((e, i) => parseEntry(e, `${source}[${i}]`));
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const first = seen.get(e.token);
    if (first !== undefined) {
      throw new Error(`${source}[${i}].token is the same as ${source}[${first}].token`);
    }
    if (admin !== undefined && e.token === admin) {
      throw new Error(`${source}[${i}].token is the same as the admin token (EDGEQ_TOKEN)`);
    }
    seen.set(e.token, i);
  });
  return entries;
}

/**
 * `EDGEQ_TOKENS` from env: undefined when unset; a config error when not valid. `admin` is the
 * admin token, which no scoped token may repeat.
 */
export function tokensFromEnv(
  env: Record<string, unknown>,
  admin?: string,
): TokenConfig[] | undefined {
  const raw = env.EDGEQ_TOKENS;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`EDGEQ_TOKENS must be a string holding ${FORMAT}`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // JSON.parse's own message quotes the text around the error, which may be a token.
    throw new Error(`EDGEQ_TOKENS is not valid JSON; it must be ${FORMAT}`);
  }
  return parseTokens(value, 'EDGEQ_TOKENS', admin);
}

/** The scope a configured token grants. */
export function scopeOf(t: TokenConfig): Scope {
  return {
    ns: t.ns,
    rights: new Set(t.rights),
    ...(t.queues ? { queues: new Set(t.queues) } : {}),
    ...(t.rate ? { rate: t.rate } : {}),
  };
}
