// pg-boss 12 on the machine's Postgres, as a peer for edgeq's Postgres drivers
// (bench/lib/measure.mjs has the adapter contract and does the timing).
//
// Why it is fair:
// - pg-boss as its users run it, with its own pool (default size 10) straight to Postgres.
// - enqueue: one job -> `send`, more -> `insert` (one statement for the batch).
// - consume: `work(queue, { batchSize: b, localConcurrency: c, pollingIntervalSeconds: 0.5 })`
//   with both burst triggers on (`burstWhenBatchFull` for b > 1, `burstWhenReadyExceeds: 1` from
//   the cached queue counts, which is the only one that applies at b = 1): without them a worker
//   sleeps the polling interval after every fetch and measures its poll timer, not its store.
//   The counts feeding `burstWhenReadyExceeds` are refreshed every second
//   (queueCacheIntervalSeconds, monitorIntervalSeconds, superviseIntervalSeconds = 1, their
//   minimum; the default 60 s would leave a batch-1 worker at ~20 jobs/s for the first minute).
//   Queue NOTIFY is left off (its default).
// - onAcked: pg-boss completes a batch (one UPDATE) after the handler resolves, so the handler
//   returning is not an ack. Every statement pg-boss runs goes through `executeSql` of its Db; we
//   wrap that method on the instance and, when the completion statement (the UPDATE that sets
//   state 'completed') has returned, report the count of rows it completed. The statement
//   autocommits, so its return is the durable write.
// - requests(): statements through that same `executeSql` (fetches, completions, inserts and its
//   background maintenance/monitoring, which is part of what it costs).
// - A fresh schema per open() (retained completed jobs make its fetch slower run after run);
//   close() stops pg-boss and drops the schema.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { PG_URL } from '../lib/services.mjs';

/** pg-boss's completion statement(s): `SET completed_on = ..., state = 'completed'`. */
const COMPLETE_SQL = /SET completed_on = [^,]+,\s*state = 'completed'/;

export function system() {
  return {
    name: 'pg-boss',
    label: 'pg-boss 12.38 (batchSize b, localConcurrency c, bursts on, 1 s stats refresh)',
    async open() {
      const schema = `pgboss_bench_${randomBytes(6).toString('hex')}`;
      const queue = 'jobs';
      const boss = new PgBoss({
        connectionString: PG_URL,
        schema,
        queueCacheIntervalSeconds: 1,
        monitorIntervalSeconds: 1,
        superviseIntervalSeconds: 1,
      });
      boss.on('error', (err) => console.error('pg-boss:', err.message ?? err));

      let statements = 0;
      let onCompleted = () => {};
      const db = boss.getDb();
      const execute = db.executeSql.bind(db);
      db.executeSql = async (text, values, opts) => {
        statements++;
        const result = await execute(text, values, opts);
        if (typeof text === 'string' && COMPLETE_SQL.test(text)) {
          const row = result?.rows?.[0];
          onCompleted(row?.count !== undefined ? Number(row.count) : (result?.rows?.length ?? 0));
        }
        return result;
      };

      await boss.start();
      await boss.createQueue(queue);
      const workIds = new Set();

      return {
        async enqueue(items) {
          if (items.length === 1) await boss.send(queue, items[0]);
          else
            await boss.insert(
              queue,
              items.map((data) => ({ data })),
            );
        },

        async consume({ concurrency, batch, onClaimed, onAcked }) {
          onCompleted = (n) => {
            if (n > 0) onAcked(n);
          };
          const id = await boss.work(
            queue,
            {
              batchSize: batch,
              localConcurrency: concurrency,
              pollingIntervalSeconds: 0.5,
              burstWhenBatchFull: true,
              burstWhenReadyExceeds: 1,
            },
            async (jobs) => {
              for (const job of jobs) onClaimed(job.data);
            },
          );
          workIds.add(id);
          return {
            async stop() {
              if (!workIds.delete(id)) return;
              await boss.offWork(queue, { id, wait: true });
              onCompleted = () => {};
            },
          };
        },

        async requests() {
          return statements;
        },

        async close() {
          try {
            await boss.stop({ graceful: true, close: true, timeout: 5000 });
          } finally {
            const client = new pg.Client({ connectionString: PG_URL });
            await client.connect();
            try {
              await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            } finally {
              await client.end();
            }
          }
        },
      };
    },
  };
}
