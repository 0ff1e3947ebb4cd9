// BullMQ 6 on the machine's Redis, as a peer for edgeq's Redis drivers (bench/lib/measure.mjs has
// the adapter contract and does the timing).
//
// Why it is fair:
// - BullMQ as its users run it: a Queue to add jobs, a Worker with `concurrency` c, default job
//   options (completed jobs are kept, as edgeq keeps them), a direct TCP connection to Redis
//   (ioredis) with nothing in between.
// - enqueue: one job -> `queue.add`, more -> `queue.addBulk` (one MULTI of its Lua adds).
// - consume: OSS BullMQ has no batch fetch, so `batch` is ignored (the label says so); its Worker
//   fetches one job per call but acks it and fetches the next one in the same Lua call
//   (`moveToFinished`), which is its own form of pipelining.
// - onAcked fires on the Worker's 'completed' event, which BullMQ emits only after
//   `job.moveToCompleted` has resolved, i.e. once Redis has marked the job completed.
// - requests(): Redis commands sent by this session's connections (Queue, Worker, the Worker's
//   blocking connection), counted at ioredis's `sendCommand`, which every command and every
//   command of a pipeline or MULTI goes through. That is what Upstash would bill per command; a
//   Lua script (EVALSHA) is one command however many keys it touches.
// - Every open() uses a fresh key prefix, and close() obliterates the queue and deletes whatever
//   is left under the prefix (never FLUSHDB: the server is shared).
//
// BullMQ 6.7 treats ioredis as an optional peer dependency and loads it with `require` from its
// own directory; it has to be installed next to it (devDependency `ioredis`).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REDIS_URL, ROOT } from '../lib/services.mjs';

const requireFromBull = createRequire(join(ROOT, 'node_modules/bullmq/package.json'));

let IORedis;
/** ioredis as BullMQ itself resolves it, with the command counter installed once. */
function ioredis() {
  if (IORedis) return IORedis;
  try {
    const mod = requireFromBull('ioredis');
    IORedis = mod.default ?? mod;
  } catch (err) {
    throw new Error(
      `BullMQ needs the ioredis package (devDependency) to reach Redis: ${err.message}`,
    );
  }
  // One patch of the prototype, counting per session tag: BullMQ creates and duplicates its
  // connections itself, but each keeps the options we gave it, tag included.
  const send = IORedis.prototype.sendCommand;
  IORedis.prototype.sendCommand = function (command, stream) {
    const tag = this.options?.benchTag;
    if (tag !== undefined && counters.has(tag)) counters.set(tag, counters.get(tag) + 1);
    return send.call(this, command, stream);
  };
  return IORedis;
}

/** Commands sent so far, by session tag. */
const counters = new Map();

function connectionOptions(tag) {
  const u = new URL(REDIS_URL);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    db: Number(u.pathname.slice(1) || 0),
    benchTag: tag,
  };
}

export function system() {
  return {
    name: 'bullmq',
    label: 'BullMQ 6.7 (Worker concurrency c; no batch fetch in OSS BullMQ, batch ignored)',
    async open() {
      ioredis();
      const { Queue, Worker } = await import('bullmq');
      const suffix = randomBytes(6).toString('hex');
      const tag = `bullbench-${suffix}`;
      const prefix = `bullbench-${suffix}`;
      const name = 'jobs';
      counters.set(tag, 0);
      const connection = connectionOptions(tag);
      const queue = new Queue(name, { connection, prefix });
      queue.on('error', (err) => console.error('bullmq queue:', err.message));
      await queue.waitUntilReady();
      const workers = new Set();

      return {
        async enqueue(items) {
          if (items.length === 1) await queue.add('job', items[0]);
          else await queue.addBulk(items.map((data) => ({ name: 'job', data })));
        },

        async consume({ concurrency, onClaimed, onAcked }) {
          const worker = new Worker(
            name,
            async (job) => {
              onClaimed(job.data);
            },
            { connection, prefix, concurrency },
          );
          workers.add(worker);
          worker.on('completed', () => onAcked(1));
          worker.on('failed', (job, err) => console.error(`bullmq job ${job?.id} failed:`, err));
          worker.on('error', (err) => console.error('bullmq worker:', err.message));
          await worker.waitUntilReady();
          return {
            async stop() {
              if (!workers.delete(worker)) return;
              await worker.close();
            },
          };
        },

        async requests() {
          return counters.get(tag);
        },

        async close() {
          for (const w of workers) await w.close().catch(() => {});
          workers.clear();
          try {
            await queue.obliterate({ force: true });
          } finally {
            await queue.close();
            // obliterate leaves a few bookkeeping keys (the id counter, meta, events stream
            // trim state); delete everything still under the unique prefix.
            const Redis = ioredis();
            const r = new Redis(connectionOptions(undefined));
            try {
              let cursor = '0';
              do {
                const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
                cursor = next;
                if (keys.length) await r.del(...keys);
              } while (cursor !== '0');
            } finally {
              await r.quit();
              counters.delete(tag);
            }
          }
        },
      };
    },
  };
}
