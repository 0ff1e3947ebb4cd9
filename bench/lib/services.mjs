// The local endpoints the tests use (test/support), for the benchmarks: Upstash's REST protocol
// in front of the machine's Redis and Neon's SQL-over-HTTP in front of its Postgres. Each runs
// in a child process of its own, as a hosted endpoint would be elsewhere, so that it does not
// share the measuring process's one JavaScript thread; each counts the requests it serves.
import { fork } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';

export const ROOT = resolve(import.meta.dirname, '../..');
export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const bundles = new Map();

/** Bundles test/support/<name>.ts once per process; returns the bundle's path. */
export async function bundleSupport(name) {
  if (!bundles.has(name)) {
    // Inside node_modules so that the bundle's external imports (pg, ...) resolve.
    const out = join(ROOT, 'node_modules/.cache/edgeq-bench', `${name}.mjs`);
    bundles.set(
      name,
      build({
        entryPoints: [join(ROOT, `test/support/${name}.ts`)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        packages: 'external',
        outfile: out,
        logLevel: 'error',
      }).then(() => out),
    );
  }
  return bundles.get(name);
}

/** Imports test/support/<name>.ts in this process (for tools that need the module itself). */
export async function support(name) {
  return import(pathToFileURL(await bundleSupport(name)).href);
}

/**
 * Starts an endpoint in a child process (bench/lib/endpoint-process.mjs). Returns what it
 * reports (`url`, `token`, ...) plus `counts()` (its request counters, asked over IPC) and
 * `close()`.
 */
async function startChild(kind, opts) {
  const modulePath = await bundleSupport(
    kind === 'upstash' ? 'upstash-server' : 'neon-http-server',
  );
  const child = fork(join(import.meta.dirname, 'endpoint-process.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: ROOT,
  });
  const pending = [];
  const info = await new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`${kind} endpoint exited with ${code}`)));
    child.once('message', res);
    child.send({ start: { kind, modulePath, opts } });
  });
  child.removeAllListeners('exit');
  child.on('message', (m) => pending.shift()?.(m));
  return {
    ...info,
    counts: () =>
      new Promise((res) => {
        pending.push(res);
        child.send({ counts: true });
      }),
    close: () =>
      new Promise((res) => {
        child.once('exit', () => res());
        child.send({ close: true });
      }),
  };
}

/** Upstash REST endpoint on the machine's Redis: `{ url, token, counts(), close() }`. */
export function startUpstash(opts = {}) {
  return startChild('upstash', { redisUrl: REDIS_URL, maxConnections: 64, ...opts });
}

/** Neon SQL-over-HTTP endpoint on the machine's Postgres: `{ url, counts(), close() }`. */
export function startNeonHttp(opts = {}) {
  return startChild('neon-http', opts);
}

/** Imports a module of the built package (run `npm run build` first): `dist('index.js')`. */
export const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);

/** Drops a Postgres schema a benchmark created (every run uses a fresh one). */
export async function dropSchema(schema) {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}
