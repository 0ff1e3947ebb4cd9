// graphile-worker 0.18 on the machine's Postgres, as a peer for edgeq's Postgres drivers
// (bench/lib/measure.mjs has the adapter contract and does the timing). Two systems:
// - `graphile-worker`: its defaults (each worker fetches one job per get_job statement and
//   completes it with one statement).
// - `graphile-worker (tuned)`: `localQueue: { size: 100 }` (the pool locks up to 100 jobs per
//   fetch and hands them to its workers) and `completeJobBatchDelay: 0` (completions made in the
//   same tick go out as one statement): the settings of its own performance page.
//
// Why it is fair:
// - Both run with `concurrency` c (graphile-worker has no per-fetch batch knob apart from the
//   local queue, so `batch` is ignored; the labels say so). The pool a runner uses has
//   max(10, c) connections: 10 is its default `maxPoolSize`, and it warns that a pool smaller
//   than the concurrency "may lead to non-optimal performance".
// - enqueue: one job -> WorkerUtils `addJob`, more -> `addJobs` (one statement), on a pool of
//   its own (like a producer process), with the runner working on another.
// - onAcked: graphile-worker deletes a job when it completes it, and its `job:complete` event
//   is emitted without waiting for that write (with completeJobBatchDelay the write is batched
//   and later still). So we count at the database client instead: both pools are ours (option
//   `pgPool`), every client they open has its `query` wrapped, and when a completion statement
//   (`delete from <schema>._private_jobs ...`, the statements of its completeJobs) has returned
//   we report the rows it deleted. Each runs in autocommit, so its return is the durable write.
// - requests(): statements on both pools (inserts, get_job, completions, its LISTEN/NOTIFY
//   bookkeeping and migrations' checks on start).
// - Its log is silenced apart from warnings and errors: by default it logs a line per job, which
//   would measure the console. Signal handlers are not installed (`noHandleSignals`).
// - A fresh schema per open() (option `schema`), dropped on close().
import { randomBytes } from 'node:crypto';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import pg from 'pg';
import { PG_URL } from '../lib/services.mjs';

/** graphile-worker's completeJobs statements (with and without a named job queue). */
const COMPLETE_SQL = /^\s*(?:with j as \(\s*)?delete from \S+\._private_jobs\b/;

const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning')
    console.error(`graphile-worker ${level}: ${message}`);
});

/** A pg Pool whose clients count statements and report completions. */
function countingPool(max, counter) {
  const pool = new pg.Pool({ connectionString: PG_URL, max });
  pool.on('error', (err) => console.error('graphile-worker pool:', err.message));
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = (config, values, callback) => {
      counter.statements++;
      const p = query(config, values, callback);
      const text = typeof config === 'string' ? config : config?.text;
      if (p && typeof p.then === 'function' && text && COMPLETE_SQL.test(text)) {
        p.then(
          (res) => {
            const ids = (typeof config === 'string' ? values : config.values)?.[0];
            // The named-queue variant is an UPDATE of the queue row whose rowCount is not the jobs';
            // the plain delete's rowCount is the number of jobs completed.
            const n = text.trimStart().startsWith('with') ? [].concat(ids).length : res.rowCount;
            counter.onCompleted(n);
          },
          () => {},
        );
      }
      return p;
    };
  });
  return pool;
}

function variant({ name, label, preset }) {
  return {
    name,
    label,
    async open() {
      const schema = `graphile_bench_${randomBytes(6).toString('hex')}`;
      const counter = { statements: 0, onCompleted: () => {} };
      const producerPool = countingPool(10, counter);
      // Installs the schema (migrations) and gives addJob / addJobs.
      const utils = await makeWorkerUtils({ pgPool: producerPool, schema, logger });
      const runners = new Set();

      return {
        async enqueue(items) {
          if (items.length === 1) await utils.addJob('noop', items[0]);
          else await utils.addJobs(items.map((payload) => ({ identifier: 'noop', payload })));
        },

        async consume({ concurrency, onClaimed, onAcked }) {
          counter.onCompleted = (n) => {
            if (n > 0) onAcked(n);
          };
          const pool = countingPool(Math.max(10, concurrency), counter);
          const runner = await run({
            pgPool: pool,
            schema,
            concurrency,
            noHandleSignals: true,
            logger,
            preset: { worker: { ...preset } },
            taskList: {
              noop: async (payload) => {
                onClaimed(payload);
              },
            },
          });
          const entry = { runner, pool };
          runners.add(entry);
          return {
            async stop() {
              if (!runners.delete(entry)) return;
              await runner.stop();
              await runner.promise.catch(() => {});
              await pool.end();
              counter.onCompleted = () => {};
            },
          };
        },

        async requests() {
          return counter.statements;
        },

        async close() {
          for (const { runner, pool } of runners) {
            await runner.stop().catch(() => {});
            await pool.end().catch(() => {});
          }
          runners.clear();
          try {
            await utils.release();
          } finally {
            const client = new pg.Client({ connectionString: PG_URL });
            await client.connect();
            try {
              await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            } finally {
              await client.end();
              await producerPool.end().catch(() => {});
            }
          }
        },
      };
    },
  };
}

export function systems() {
  return [
    variant({
      name: 'graphile-worker',
      label: 'graphile-worker 0.18, defaults (concurrency c; batch ignored)',
      preset: {},
    }),
    variant({
      name: 'graphile-worker (tuned)',
      label:
        'graphile-worker 0.18, localQueue.size 100, completeJobBatchDelay 0 (concurrency c; batch ignored)',
      preset: { localQueue: { size: 100 }, completeJobBatchDelay: 0 },
    }),
  ];
}

/** The default variant alone, for callers that take one system per module. */
export const system = () => systems()[0];
