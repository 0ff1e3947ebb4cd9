// edgeq as a benchmarked system: one adapter (bench/lib/measure.mjs's contract) per driver and
// per target.
//
//   targets  runtime  createRuntime({ driver }) from dist/ in the measuring process: the library
//                      as an application embeds it (no HTTP, no auth)
//            http     `node bin/edgeq.js serve` as a child process, one per open(), driven over
//                      its HTTP API with a real bearer token: what a Worker or a remote consumer
//                      pays per call (JSON, routing, auth, the HTTP round trip)
//            worker   the same serve child, consumed by ONE createWorker from edgeq/client with
//                      c handler slots and claims of at most b (the pull consumer users run;
//                      c means jobs in flight, as in BullMQ and graphile-worker); by default on
//                      memory, upstash and postgres-pg only
//   drivers  memory, libsql (a file in a fresh temp dir), upstash (the local Upstash REST
//            endpoint on the machine's Redis), postgres-neon-http (the local Neon SQL-over-HTTP
//            endpoint on the machine's Postgres), postgres-pg (node-postgres)
//
// Why it is fair:
// - Every open() is a fresh, empty store (temp file, Redis key prefix, Postgres schema), migrated
//   and warmed (enqueue, claim, claim-with-acks and ackMany of a few jobs on another queue) before
//   it is returned, so no clock includes migrations, script loading, JIT or connection set-up.
// - enqueue is ONE call (one job alone, or the batch in one bulk call), like the peers' add /
//   addBulk. The payload is the measuring code's item `{ i, t0 }` as is.
// - A consumer loop is what a real pull consumer runs: each claim carries the acks of the jobs
//   it finished in its previous claim (one round trip claims the next batch and acks the last),
//   and `onAcked` is called only for acks the store answered ok. An empty claim backs off 1 ms,
//   doubling to 20 ms, reset by the first job: without it an idle consumer would spin on the
//   store, and with longer sleeps the drain would measure the sleep.
// - The HTTP client is undici's `request` on a keep-alive Agent (at least concurrency + 1
//   connections, no pipelining), not global fetch, which is ~3x slower on loopback and would
//   measure fetch (shared/notes/peers.md). Status codes are checked: a non-2xx throws its body.
// - The serve child runs with --tick-interval 3600, so no tick (reclaim, prune) runs inside a
//   measurement; the runtime target has no tick at all.
// - requests() counts storage round trips where they can be counted: the Upstash and Neon
//   endpoints' HTTP requests (both targets; the endpoints see the serve child's calls too), and
//   in the runtime target the libSQL client's execute/batch calls and the Postgres transport's
//   statements. Not counted: memory (no store), libsql and postgres-pg behind `edgeq serve`
//   (the client lives in the child process).
//
// The Upstash and Neon endpoints are started once, on first use, and shared by every session
// (each in a child process of its own, bench/lib/services.mjs). Call shutdown() when done, or
// those children keep the process alive.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '@libsql/client';
import { neonConfig } from '@neondatabase/serverless';
import { Redis } from '@upstash/redis';
import { Agent, request } from 'undici';
import {
  dist,
  dropSchema,
  PG_URL,
  ROOT,
  startNeonHttp,
  startUpstash,
  support,
} from '../lib/services.mjs';
import { sleep } from '../lib/stats.mjs';

export const DRIVERS = ['memory', 'libsql', 'upstash', 'postgres-neon-http', 'postgres-pg'];
export const TARGETS = ['runtime', 'http', 'worker'];
/**
 * The `worker` target runs on these drivers only by default: the ones with a peer on the same
 * store, plus memory as the floor. It measures the client package on top of `http`, so the
 * other drivers would add run time without adding a comparison.
 */
const WORKER_DRIVERS = ['memory', 'upstash', 'postgres-pg'];

const QUEUE = 'bench';
const WARMUP_QUEUE = 'bench-warmup';
/** The HTTP API's caps: 100 jobs per claim and per POST /v1/ack. */
const MAX_CLAIM = 100;
/** Keep-alive connections per serve child: at least the largest concurrency + 1. */
const MAX_CONNECTIONS = 256;

const TARGET_LABELS = {
  runtime: 'runtime',
  http: 'HTTP API (edgeq serve)',
  worker: 'createWorker over HTTP (edgeq/client)',
};
const LABELS = {
  memory: 'memory',
  libsql: 'libSQL file',
  upstash: 'Upstash REST on Redis',
  'postgres-neon-http': 'Postgres over Neon HTTP',
  'postgres-pg': 'Postgres over node-postgres',
};
const BACKENDS = {
  memory: 'memory',
  libsql: 'sqlite',
  upstash: 'redis',
  'postgres-neon-http': 'postgres',
  'postgres-pg': 'postgres',
};

const rand = () => randomBytes(5).toString('hex');

/**
 * The adapters, one per (driver, target), drivers first.
 * @example const [sys] = systems({ drivers: ['memory'], targets: ['http'] });
 */
export function systems({ drivers = DRIVERS, targets = TARGETS } = {}) {
  for (const d of drivers) if (!DRIVERS.includes(d)) throw new Error(`edgeq: unknown driver ${d}`);
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`edgeq: unknown target ${t}`);
  const out = [];
  const explicit = drivers !== DRIVERS;
  for (const driver of drivers) {
    for (const target of targets) {
      if (target === 'worker' && !explicit && !WORKER_DRIVERS.includes(driver)) continue;
      out.push({
        name: `edgeq-${target}-${driver}`,
        label: `edgeq ${TARGET_LABELS[target]}, ${LABELS[driver]}`,
        family: 'edgeq',
        backend: BACKENDS[driver],
        driver,
        target,
        open: () => (target === 'runtime' ? openRuntime(driver) : openHttp(driver, target)),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared endpoints and stores

let upstashEndpoint;
let neonEndpoint;
/** Live serve children, killed on exit if a crash skips their close(). */
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function upstash() {
  upstashEndpoint ??= startUpstash();
  return upstashEndpoint;
}

async function neonHttp() {
  neonEndpoint ??= startNeonHttp().then((ep) => {
    // Global per module instance: the dist drivers import the same @neondatabase/serverless.
    neonConfig.fetchEndpoint = ep.url;
    return ep;
  });
  return neonEndpoint;
}

/** Stops the shared Upstash and Neon endpoints (their child processes). */
export async function shutdown() {
  const eps = [upstashEndpoint, neonEndpoint];
  upstashEndpoint = undefined;
  neonEndpoint = undefined;
  await Promise.all(eps.map(async (p) => (await p?.catch(() => undefined))?.close()));
}

/**
 * A fresh, empty place for one session's data and how to drop it. The store itself is created
 * by the driver on first use (migrations run inside the warm-up).
 */
async function freshStore(driver) {
  if (driver === 'libsql') {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-bench-tp-'));
    return {
      url: `file:${join(dir, 'edgeq.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (driver === 'upstash') {
    const ep = await upstash();
    // The hash tag keeps every key of a session in one slot, as the driver's `{edgeq}` does.
    const prefix = `{edgeqbench-tp-${rand()}}`;
    return { ep, prefix, drop: () => dropKeys(ep, prefix) };
  }
  if (driver.startsWith('postgres')) {
    const ep = driver === 'postgres-neon-http' ? await neonHttp() : undefined;
    const schema = `edgeq_bench_tp_${rand()}`;
    return { ep, schema, drop: () => dropSchema(schema) };
  }
  return { drop: async () => {} };
}

/**
 * Deletes the keys of a prefix through the REST endpoint (SCAN MATCH, then DEL). SCAN walks the
 * whole keyspace, which others share (the scale bench leaves ~1M keys while it runs): COUNT
 * 10,000 keeps that to a few dozen requests of a few ms of Redis time each.
 */
async function dropKeys(ep, prefix) {
  const redis = new Redis({ url: ep.url, token: ep.token, automaticDeserialization: false });
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, { match: `${prefix}*`, count: 10_000 });
    if (keys.length) await redis.del(...keys);
    cursor = String(next);
  } while (cursor !== '0');
}

// ---------------------------------------------------------------------------------------------
// The runtime target

/** A driver from dist/ on a fresh store, with a request counter where one can be had. */
async function runtimeDriver(driver, store) {
  if (driver === 'memory') {
    const { memoryDriver } = await dist('drivers/memory/index.js');
    return { d: memoryDriver() };
  }
  if (driver === 'libsql') {
    const { libsqlDriver } = await dist('drivers/libsql/index.js');
    // The client libsqlDriver({ url }) would build (same busy timeout), wrapped to count.
    const { countingClient } = await support('counting-client');
    const counted = countingClient(createClient({ url: store.url, timeout: 5_000 }));
    return {
      d: libsqlDriver({ client: counted.client, local: 'file' }),
      count: async () => counted.count(),
    };
  }
  if (driver === 'upstash') {
    const { upstashDriver } = await dist('drivers/upstash/index.js');
    const d = upstashDriver({ url: store.ep.url, token: store.ep.token, prefix: store.prefix });
    return { d, count: async () => (await store.ep.counts()).requests };
  }
  const { postgresDriver, pgTransport } = await dist('drivers/postgres/index.js');
  if (driver === 'postgres-neon-http') {
    const d = postgresDriver({ url: PG_URL, transport: 'neon-http', schema: store.schema });
    return { d, count: async () => (await store.ep.counts()).requests };
  }
  const { counting } = await support('pg-transports');
  const counted = counting(pgTransport(PG_URL));
  return {
    d: postgresDriver({ transport: counted.transport, schema: store.schema }),
    count: async () => counted.count(),
  };
}

async function openRuntime(driver) {
  const store = await freshStore(driver);
  let d;
  try {
    const { createRuntime } = await dist('index.js');
    const made = await runtimeDriver(driver, store);
    d = made.d;
    // Scripts into Redis's cache now, not as a NOSCRIPT fallback inside the first claim.
    if (d.loadScripts) await d.loadScripts();
    const rt = createRuntime({ driver: d });
    const api = {
      enqueue: (queue, items) =>
        rt.enqueue(
          queue,
          items.map((payload) => ({ payload })),
        ),
      claim: (queue, limit, acks) => rt.claim(queue, acks.length ? { limit, acks } : { limit }),
      ackMany: (acks) => rt.ackMany(acks),
    };
    await warmUp(api);
    return session(api, {
      requests: made.count,
      async close() {
        await d.close();
        await store.drop();
      },
    });
  } catch (err) {
    await d?.close().catch(() => {});
    await store.drop().catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The http target

/** A port nobody listens on now (the child binds it a moment later; a clash is retried). */
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** The environment of `edgeq serve` for a driver and store; nothing inherited picks another. */
function serveEnv(driver, store, token) {
  // Request logs off (warnings and errors stay on): the peers write nothing per job, and the
  // child's stdout is a pipe this process reads.
  const env = { ...process.env, EDGEQ_TOKEN: token, EDGEQ_LOG: 'warn' };
  for (const k of [
    'EDGEQ_TOKENS',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'EDGEQ_REDIS_PREFIX',
    'DATABASE_URL',
    'EDGEQ_PG_TRANSPORT',
    'EDGEQ_PG_SCHEMA',
    'NEON_FETCH_ENDPOINT',
    'NEON_WS_PROXY',
    'LIBSQL_URL',
    'LIBSQL_AUTH_TOKEN',
  ]) {
    delete env[k];
  }
  if (driver === 'memory') env.EDGEQ_DRIVER = 'memory';
  if (driver === 'libsql') Object.assign(env, { EDGEQ_DRIVER: 'libsql', LIBSQL_URL: store.url });
  if (driver === 'upstash') {
    Object.assign(env, {
      EDGEQ_DRIVER: 'upstash',
      UPSTASH_REDIS_REST_URL: store.ep.url,
      UPSTASH_REDIS_REST_TOKEN: store.ep.token,
      EDGEQ_REDIS_PREFIX: store.prefix,
    });
  }
  if (driver.startsWith('postgres')) {
    Object.assign(env, {
      EDGEQ_DRIVER: 'postgres',
      DATABASE_URL: PG_URL,
      EDGEQ_PG_TRANSPORT: driver === 'postgres-neon-http' ? 'neon-http' : 'pg',
      EDGEQ_PG_SCHEMA: store.schema,
    });
    if (store.ep) env.NEON_FETCH_ENDPOINT = store.ep.url;
  }
  return env;
}

/** Starts `edgeq serve` and resolves with its URL once it prints its "listening" line. */
function startServe(env, port) {
  const child = spawn(
    process.execPath,
    [
      // Node flags for the server, e.g. `--cpu-prof` from bench/profile.mjs.
      ...(process.env.EDGEQ_BENCH_SERVE_ARGS?.split(' ').filter(Boolean) ?? []),
      join(ROOT, 'bin/edgeq.js'),
      'serve',
      '--port',
      String(port),
      '--tick-interval',
      '3600',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  exited.then(() => children.delete(child));
  let stderr = '';
  // Its storage errors are logged there: pass them on, the bench should not hide them.
  child.stderr.on('data', (b) => {
    stderr += b;
    process.stderr.write(`[edgeq serve :${port}] ${b}`);
  });
  const url = new Promise((res, rej) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) res(m[1]);
    });
    exited.then(({ code, signal }) =>
      rej(new Error(`edgeq serve exited (${code ?? signal}) before listening: ${stderr.trim()}`)),
    );
  });
  return {
    child,
    exited,
    url: within(url, 30_000, 'edgeq serve did not print its listening line within 30 s').catch(
      (err) => {
        child.kill('SIGKILL');
        throw err;
      },
    ),
  };
}

/** Stops a serve child: SIGTERM (it closes its server and driver), SIGKILL after 10 s. */
async function stopServe({ child, exited }) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  try {
    await within(exited, 10_000, 'edgeq serve did not exit within 10 s of SIGTERM');
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
}

/** `p`, or a rejection after `ms` (the timer is cleared either way, so it never holds exit). */
function within(p, ms, message) {
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(message)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A JSON client for one serve child: undici keep-alive, bearer token, status checked. */
function httpClient(base, token) {
  const agent = new Agent({ connections: MAX_CONNECTIONS, pipelining: 1 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  async function call(path, body) {
    const res = await request(`${base}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      dispatcher: agent,
    });
    const text = await res.body.text();
    if (res.statusCode < 200 || res.statusCode > 299) {
      throw new Error(`POST ${path}: HTTP ${res.statusCode} ${text}`);
    }
    return JSON.parse(text);
  }
  return { call, close: () => agent.close() };
}

async function openHttp(driver, target) {
  const store = await freshStore(driver);
  const token = `bench-${rand()}`;
  const env = serveEnv(driver, store, token);
  let serve;
  let client;
  try {
    // A port taken between freePort() and the child's listen makes it exit: try again.
    for (let attempt = 1; ; attempt++) {
      serve = startServe(env, await freePort());
      try {
        await serve.url;
        break;
      } catch (err) {
        if (attempt >= 3 || !/EADDRINUSE/.test(err.message)) throw err;
      }
    }
    client = httpClient(await serve.url, token);
    const { call } = client;
    const api = {
      enqueue: (queue, items) =>
        call(
          `/v1/queues/${queue}/jobs`,
          items.length === 1
            ? { payload: items[0] }
            : { jobs: items.map((payload) => ({ payload })) },
        ),
      claim: (queue, limit, acks) =>
        call(`/v1/queues/${queue}/claim`, acks.length ? { limit, acks } : { limit }),
      ackMany: async (acks) => (await call('/v1/ack', { acks })).results,
    };
    await warmUp(api);
    const base = await serve.url;
    return session(api, {
      ...(target === 'worker' ? { consume: (spec) => workerConsume(base, token, spec) } : {}),
      requests: store.ep ? async () => (await store.ep.counts()).requests : undefined,
      async close() {
        // Client first: the server's close waits for open connections.
        await client.close();
        await stopServe(serve);
        await store.drop();
      },
    });
  } catch (err) {
    await client?.close().catch(() => {});
    if (serve) await stopServe(serve).catch(() => {});
    await store.drop().catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Both targets: the session over an `api` of four calls

/** Throws unless every ack of a batch came back ok (a lost lease would be a lost job). */
function checkAcks(sent, outcomes, what) {
  if (!Array.isArray(outcomes) || outcomes.length !== sent.length) {
    throw new Error(
      `edgeq ${what}: ${sent.length} acks sent, ${outcomes?.length ?? 'no'} outcomes back`,
    );
  }
  const bad = outcomes.filter((o) => !o.ok);
  if (bad.length) {
    throw new Error(`edgeq ${what}: ${bad.length} acks failed, e.g. ${JSON.stringify(bad[0])}`);
  }
  return sent.length;
}

/** Every call the sessions make, a few times, on another queue: first-use costs paid here. */
async function warmUp(api) {
  await api.enqueue(WARMUP_QUEUE, [{ i: -1, t0: 0 }]);
  await api.enqueue(
    WARMUP_QUEUE,
    Array.from({ length: 4 }, (_, k) => ({ i: -2 - k, t0: 0 })),
  );
  let pending = [];
  for (let round = 0; round < 3; round++) {
    const res = await api.claim(WARMUP_QUEUE, 2, pending);
    if (pending.length) checkAcks(pending, res.acks, 'warm-up claim');
    pending = res.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
  }
  if (pending.length) checkAcks(pending, await api.ackMany(pending), 'warm-up ackMany');
}

function session(api, { consume, requests, close }) {
  return {
    enqueue: async (items) => {
      await api.enqueue(QUEUE, items);
    },
    consume:
      consume ??
      (async ({ concurrency, batch, onClaimed, onAcked }) => {
        if (batch > MAX_CLAIM) throw new Error(`edgeq: claim batch ${batch} > ${MAX_CLAIM}`);
        if (concurrency + 1 > MAX_CONNECTIONS) {
          throw new Error(`edgeq: concurrency ${concurrency} needs more than ${MAX_CONNECTIONS}`);
        }
        let stopping = false;
        let failure;
        // Rejects with the first consumer error, so a harness can race it instead of waiting for
        // its timeout (measure.mjs does not know it yet); handled here so it never crashes alone.
        let fail;
        const failed = new Promise((_, rej) => {
          fail = rej;
        });
        failed.catch(() => {});
        /** Jobs claimed but not yet acked when their loop stopped. */
        const leftover = [];
        const loop = async () => {
          let pending = [];
          let idleMs = 1;
          try {
            while (!stopping && !failure) {
              const res = await api.claim(QUEUE, batch, pending);
              if (pending.length) onAcked(checkAcks(pending, res.acks, 'claim with acks'));
              pending = [];
              if (res.jobs.length === 0) {
                await sleep(idleMs);
                idleMs = Math.min(idleMs * 2, 20);
                continue;
              }
              idleMs = 1;
              for (const j of res.jobs) {
                onClaimed(j.payload);
                pending.push({ id: j.id, leaseToken: j.leaseToken });
              }
            }
          } catch (err) {
            // Loud at once: the measurement itself would only see it as a timeout.
            if (!failure) {
              failure = err;
              fail(err);
              console.error(`edgeq consumer failed: ${err.stack ?? err}`);
            }
          }
          leftover.push(...pending);
        };
        const loops = Array.from({ length: concurrency }, loop);
        return {
          failed,
          async stop() {
            stopping = true;
            await Promise.all(loops);
            for (let i = 0; i < leftover.length; i += MAX_CLAIM) {
              const acks = leftover.slice(i, i + MAX_CLAIM);
              onAcked(checkAcks(acks, await api.ackMany(acks), 'ackMany at stop'));
            }
            leftover.length = 0;
            if (failure) throw failure;
          },
        };
      }),
    ...(requests ? { requests } : {}),
    close,
  };
}

/**
 * undici's `request` behind the small fetch interface the client takes (src/client/http.ts):
 * what a Node service would pass as `fetch` for speed, and the same transport the `http`
 * target's loops use, so the two targets differ only by the client package's own work.
 */
function undiciFetch(agent) {
  return async (url, init) => {
    const res = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: init.signal,
      dispatcher: agent,
    });
    return {
      status: res.statusCode,
      statusText: '',
      headers: { get: (name) => res.headers[name.toLowerCase()] ?? null },
      text: () => res.body.text(),
    };
  };
}

/**
 * The `worker` target's consumers: ONE `createWorker` from edgeq/client with `concurrency: c`
 * handler slots and `batchSize: b` (what a user runs against `edgeq serve`; the same meaning of
 * concurrency as BullMQ's and graphile-worker's, jobs in flight in one worker). The handler is a
 * no-op that reports the hand-over; acks are counted from the worker's confirmed completions.
 */
async function workerConsume(base, token, { concurrency, batch, onClaimed, onAcked }) {
  const { createWorker } = await dist('client/index.js');
  const agent = new Agent({ connections: 8, pipelining: 1 });
  let failure;
  let fail;
  const failed = new Promise((_, rej) => {
    fail = rej;
  });
  failed.catch(() => {});
  const worker = createWorker({
    url: base,
    token,
    queue: QUEUE,
    concurrency,
    batchSize: Math.min(batch, MAX_CLAIM),
    fetch: undiciFetch(agent),
    graceMs: 10_000,
    handler: (job) => {
      onClaimed(job.payload);
    },
    onError: (err, info) => {
      if (failure) return;
      failure = err;
      fail(err);
      console.error(`edgeq worker failed (${info.phase}): ${err?.stack ?? err}`);
    },
  });
  let counted = 0;
  const report = () => {
    const done = worker.stats.completed;
    if (done > counted) {
      onAcked(done - counted);
      counted = done;
    }
  };
  // The worker has no per-ack callback; reading its counter every millisecond adds at most
  // 1 ms to a run.
  const poll = setInterval(report, 1);
  return {
    failed,
    async stop() {
      await worker.stop();
      clearInterval(poll);
      report();
      await agent.close();
      if (failure) throw failure;
    },
  };
}
