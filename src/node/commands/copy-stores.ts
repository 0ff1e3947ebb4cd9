/**
 * The `<store>` of `edgeq copy --from/--to`: a driver name configured by the usual environment
 * (`libsql`, `postgres`, `upstash`), or a name with its URL. Each becomes the environment
 * `pickDriver` reads, so a store is opened exactly as `edgeq serve` would open it:
 *
 *   libsql:file:./a.db  libsql:http://host:8080  libsql:libsql://db.turso.io   (LIBSQL_AUTH_TOKEN)
 *   postgres:postgres://user@host/db?transport=neon-http&schema=edgeq           (default pg, edgeq)
 *   upstash:https://host?prefix={edgeq}                     (token: UPSTASH_REDIS_REST_TOKEN)
 *
 * `--from-token` / `--to-token` give a libSQL or Upstash token on the command line instead.
 */
import { resolve } from 'node:path';
import { envString } from '../../runtime/env.js';
import { usage } from './args.js';

/** The drivers a copy reads from and writes to (memory lives in one process). */
export type StoreKind = 'libsql' | 'postgres' | 'upstash';

/** A parsed `<store>`. */
export interface StoreSpec {
  kind: StoreKind;
  /** The environment `pickDriver` opens it from. */
  env: Record<string, unknown>;
  /** Which store this is, to refuse copying a store onto itself. */
  identity: string;
}

const KINDS: readonly string[] = ['libsql', 'postgres', 'upstash'];
const TRANSPORTS: readonly string[] = ['pg', 'neon-http', 'neon-ws'];

/** Parses `--<flag> <raw>` against `env`; every problem is a usage error naming the flag. */
export function parseStore(
  flag: '--from' | '--to',
  raw: string,
  env: Record<string, unknown>,
  token: string | undefined,
): StoreSpec {
  const colon = raw.indexOf(':');
  const kind = colon < 0 ? raw : raw.slice(0, colon);
  const url = colon < 0 ? undefined : raw.slice(colon + 1);
  if (kind === 'memory') {
    throw usage(`${flag} memory: the memory store lives inside one process, nothing to copy`);
  }
  if (!KINDS.includes(kind)) {
    throw usage(
      `${flag} must be libsql, postgres or upstash, alone or with a URL (libsql:file:a.db)`,
    );
  }
  if (url === '') throw usage(`${flag} ${kind}: give the URL after "${kind}:"`);
  if (kind === 'libsql') return libsql(flag, url, env, token);
  if (kind === 'postgres') return postgres(flag, url, env);
  return upstash(flag, url, env, token);
}

function libsql(
  flag: string,
  url: string | undefined,
  env: Record<string, unknown>,
  token: string | undefined,
): StoreSpec {
  let where = url ?? envString(env, 'LIBSQL_URL') ?? 'file:.edgeq/edgeq.db';
  if (where === ':memory:' || where.startsWith('file::memory:')) {
    throw usage(`${flag}: an in-memory libSQL database lives inside one process`);
  }
  // A relative file is the caller's, whatever directory the client resolves against.
  if (where.startsWith('file:') && !where.startsWith('file:/')) {
    where = `file:${resolve(where.slice('file:'.length))}`;
  }
  const out: Record<string, unknown> = { ...env, EDGEQ_DRIVER: 'libsql', LIBSQL_URL: where };
  if (token !== undefined) out.LIBSQL_AUTH_TOKEN = token;
  return { kind: 'libsql', env: out, identity: `libsql ${where}` };
}

function postgres(flag: string, url: string | undefined, env: Record<string, unknown>): StoreSpec {
  let databaseUrl = url ?? envString(env, 'DATABASE_URL');
  if (!databaseUrl) {
    throw usage(`${flag} postgres needs DATABASE_URL, or the URL: ${flag} postgres:postgres://...`);
  }
  let transport = envString(env, 'EDGEQ_PG_TRANSPORT') ?? 'pg';
  let schema = envString(env, 'EDGEQ_PG_SCHEMA') ?? 'edgeq';
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usage(`${flag}: "${redact(url)}" is not a URL (postgres://user@host/db)`);
    }
    // edgeq's own settings ride on the URL; the client never sees them.
    transport = parsed.searchParams.get('transport') ?? 'pg';
    schema = parsed.searchParams.get('schema') ?? schema;
    parsed.searchParams.delete('transport');
    parsed.searchParams.delete('schema');
    databaseUrl = parsed.toString();
  }
  if (!TRANSPORTS.includes(transport)) {
    throw usage(`${flag}: transport must be pg, neon-http or neon-ws, got "${transport}"`);
  }
  const out = {
    ...env,
    EDGEQ_DRIVER: 'postgres',
    DATABASE_URL: databaseUrl,
    EDGEQ_PG_TRANSPORT: transport,
    EDGEQ_PG_SCHEMA: schema,
  };
  return { kind: 'postgres', env: out, identity: `postgres ${hostOf(databaseUrl)} ${schema}` };
}

function upstash(
  flag: string,
  url: string | undefined,
  env: Record<string, unknown>,
  token: string | undefined,
): StoreSpec {
  let restUrl = url ?? envString(env, 'UPSTASH_REDIS_REST_URL');
  let prefix = envString(env, 'EDGEQ_REDIS_PREFIX') ?? '{edgeq}';
  const restToken = token ?? envString(env, 'UPSTASH_REDIS_REST_TOKEN');
  if (!restUrl) {
    throw usage(
      `${flag} upstash needs UPSTASH_REDIS_REST_URL, or the URL: ${flag} upstash:https://...`,
    );
  }
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usage(`${flag}: "${redact(url)}" is not a URL (https://host)`);
    }
    prefix = parsed.searchParams.get('prefix') ?? prefix;
    parsed.searchParams.delete('prefix');
    restUrl = parsed.toString().replace(/\/$/, '');
  }
  if (!restToken) {
    throw usage(`${flag} upstash needs a token: UPSTASH_REDIS_REST_TOKEN or ${flag}-token`);
  }
  const out = {
    ...env,
    EDGEQ_DRIVER: 'upstash',
    UPSTASH_REDIS_REST_URL: restUrl,
    UPSTASH_REDIS_REST_TOKEN: restToken,
    EDGEQ_REDIS_PREFIX: prefix,
  };
  return { kind: 'upstash', env: out, identity: `upstash ${restUrl} ${prefix}` };
}

/** Host, port and database of a Postgres URL (no credentials). */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return redact(url);
  }
}

/** A URL for a message: credentials masked. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
