/**
 * The `edgeq` command. `edgeq serve` runs the API on an embedded, durable default: a libSQL file
 * at .edgeq/edgeq.db (or LIBSQL_URL when set).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { neonConfig } from '@neondatabase/serverless';
import { neonEndpointConfig } from '../dev/neon-config.js';
import { libsqlDriver } from '../drivers/libsql/index.js';
import { memoryDriver } from '../drivers/memory/index.js';
import { postgresDriver } from '../drivers/postgres/index.js';
import type { Driver } from '../drivers/types.js';
import { upstashDriver } from '../drivers/upstash/index.js';
import { tokensFromEnv } from '../handlers/tokens.js';
import { createLogger, logLevelFromEnv } from '../observe/log.js';
import { envString, limitsFromEnv } from '../runtime/env.js';
import { isStoreCommand, STORE_HELP } from './commands/names.js';
import { serve } from './serve.js';

const HELP = `edgeq: a serverless, edge-native job queue runtime

Usage:
  edgeq serve [--port 8787] [--host 127.0.0.1] [--db .edgeq/edgeq.db] [--tick-interval 10]
  edgeq migrate [--db .edgeq/edgeq.db]     create or upgrade the configured store's schema
  edgeq dev [--dev-vars upstash|postgres|libsql] [...]   local Upstash, Neon and libSQL
                       endpoints on a local Redis, Postgres and SQLite file (edgeq dev --help)
${STORE_HELP}

Environment:
  EDGEQ_TOKEN          admin bearer token of namespace default (without it and EDGEQ_TOKENS:
                       loopback only, no auth)
  EDGEQ_TOKENS         scoped tokens, a JSON array of {"token","ns","rights":["enqueue"|
                       "consume"|"admin"],"queues"?:[...],"rate"?:{"limit","per":"second"|"minute"}}
  EDGEQ_DRIVER         memory | libsql | upstash | postgres: pick the store by name instead of
                       by which settings below are present (memory: jobs live in this process)
  UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN   Upstash Redis (chosen first)
  DATABASE_URL         Postgres (chosen next); EDGEQ_PG_TRANSPORT pg | neon-http | neon-ws,
                       EDGEQ_PG_SCHEMA (default edgeq)
  NEON_FETCH_ENDPOINT  neon-http: send SQL to this URL instead of https://<host>/sql (a local
                       endpoint); NEON_WS_PROXY: neon-ws proxy host:port/path (address appended;
                       a ws:// prefix means a plain local proxy: no TLS, no pipelined password)
  EDGEQ_REDIS_PREFIX   Redis key prefix with a {hash tag} (default {edgeq})
  LIBSQL_URL           libSQL database (file:, libsql://, https://); default file:.edgeq/edgeq.db
  LIBSQL_AUTH_TOKEN    token for a remote libSQL database (Turso)
  PORT                 port when --port is not given
  EDGEQ_LOG            debug | info | warn | error | off: request and tick lines, one JSON
                       object each (default info)
  EDGEQ_LEASE_MS, EDGEQ_MAX_ATTEMPTS, EDGEQ_BACKOFF_BASE_MS, EDGEQ_BACKOFF_MAX_MS,
  EDGEQ_COMPLETED_RETENTION_MS, EDGEQ_DEAD_RETENTION_MS, EDGEQ_MAX_BODY_BYTES   defaults
`;

function fail(message: string): never {
  console.error(`edgeq: ${message}`);
  process.exit(2);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) fail(`--${name} must be a whole number, got "${raw}"`);
  return n;
}

/**
 * The store EDGEQ_DRIVER names; without it, Upstash when its REST credentials are set, else
 * Postgres (DATABASE_URL), else libSQL (LIBSQL_URL or the local file).
 */
function pickDriver(env: Record<string, unknown>, db: string): { driver: Driver; where: string } {
  const chosen = envString(env, 'EDGEQ_DRIVER');
  if (chosen && !['memory', 'libsql', 'upstash', 'postgres'].includes(chosen)) {
    fail(`EDGEQ_DRIVER must be memory, libsql, upstash or postgres, got "${chosen}"`);
  }
  if (chosen === 'memory') {
    return { driver: memoryDriver(), where: 'memory (lost when this process exits)' };
  }
  const redisUrl = envString(env, 'UPSTASH_REDIS_REST_URL');
  const redisToken = envString(env, 'UPSTASH_REDIS_REST_TOKEN');
  if (chosen === 'upstash' && !(redisUrl && redisToken)) {
    fail('EDGEQ_DRIVER=upstash needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN');
  }
  if (redisUrl && redisToken && (!chosen || chosen === 'upstash')) {
    const prefix = envString(env, 'EDGEQ_REDIS_PREFIX');
    const driver = upstashDriver({
      url: redisUrl,
      token: redisToken,
      ...(prefix ? { prefix } : {}),
    });
    return { driver, where: `${redisUrl} (prefix ${driver.prefix})` };
  }
  const databaseUrl = envString(env, 'DATABASE_URL');
  if (chosen === 'postgres' && !databaseUrl) fail('EDGEQ_DRIVER=postgres needs DATABASE_URL');
  if (databaseUrl && (!chosen || chosen === 'postgres')) {
    // Local endpoints speaking Neon's protocols (the ones the tests use); the defaults reach
    // Neon's hosted proxies.
    Object.assign(neonConfig, neonEndpointConfig(env));
    const transport = envString(env, 'EDGEQ_PG_TRANSPORT') ?? 'pg';
    if (transport !== 'pg' && transport !== 'neon-http' && transport !== 'neon-ws') {
      fail(`EDGEQ_PG_TRANSPORT must be pg, neon-http or neon-ws, got "${transport}"`);
    }
    const schema = envString(env, 'EDGEQ_PG_SCHEMA');
    const driver = postgresDriver({ url: databaseUrl, transport, ...(schema ? { schema } : {}) });
    return { driver, where: `postgres (${transport}, schema ${driver.schema})` };
  }
  let url = envString(env, 'LIBSQL_URL');
  if (!url) {
    const file = resolve(db);
    mkdirSync(dirname(file), { recursive: true });
    url = `file:${file}`;
  }
  const driver = libsqlDriver({ url, authToken: envString(env, 'LIBSQL_AUTH_TOKEN') });
  return { driver, where: url.replace(/\/\/[^@/]*@/, '//***@') };
}

async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: '.edgeq/edgeq.db' },
      'tick-interval': { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const env = process.env as Record<string, unknown>;
  const port = positiveInt('port', values.port ?? envString(env, 'PORT') ?? '8787');
  const token = envString(env, 'EDGEQ_TOKEN');
  // Checked before a driver is opened: a bad EDGEQ_TOKENS exits with its message.
  const tokens = tokensFromEnv(env, token);
  const logger = createLogger({ level: logLevelFromEnv(env, 'info') });
  const { driver, where } = pickDriver(env, values.db);
  const server = await serve({
    driver,
    port,
    host: values.host,
    token,
    tokens,
    tickIntervalMs: positiveInt('tick-interval', values['tick-interval']) * 1000,
    limits: limitsFromEnv(env),
    logger,
  });
  console.log(`edgeq: storing jobs in ${where}`);
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`edgeq: ${signal}, shutting down`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Applies pending migrations of the configured store and says what it did. */
async function migrateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { db: { type: 'string', default: '.edgeq/edgeq.db' } },
    strict: true,
  });
  const { driver, where } = pickDriver(process.env as Record<string, unknown>, values.db);
  const migratable = driver as { migrate?: () => Promise<void> };
  if (typeof migratable.migrate !== 'function') {
    console.log(`edgeq: ${driver.name} needs no migrations`);
  } else {
    await migratable.migrate();
    console.log(`edgeq: ${where} is up to date`);
  }
  await driver.close();
}

/** Runs `edgeq <store command> ...` on the store `pickDriver` picks; resolves to the exit code. */
async function storeCommand([name, ...args]: string[]): Promise<number> {
  const { runCommand } = await import('./commands/index.js');
  if (!isStoreCommand(name)) return 2;
  return runCommand(name, args, {
    pickDriver,
    env: process.env as Record<string, unknown>,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    write: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    stdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  });
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    if (command === 'serve') return await serveCommand(rest);
    if (command === 'migrate') return await migrateCommand(rest);
    // Imported on use: the endpoints (libsql's native module, ws, pg) stay out of `serve`.
    if (command === 'dev') return await (await import('./dev.js')).devCommand(rest);
    // Store commands (src/node/commands), also imported on use; they set the exit code.
    if (isStoreCommand(command) || (command === 'help' && isStoreCommand(rest[0]))) {
      process.exitCode = await storeCommand(command === 'help' ? [rest[0]!, '--help'] : argv);
      return;
    }
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      console.log(HELP);
      return;
    }
    fail(`unknown command "${command}"\n\n${HELP}`);
  } catch (err) {
    fail((err as Error).message);
  }
}
