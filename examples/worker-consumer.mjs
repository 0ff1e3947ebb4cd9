#!/usr/bin/env node
// A pull consumer for any long-running host (Node here; Deno, Bun or a container alike), built on
// createWorker: it claims as many jobs as it has free slots, extends each lease while its handler
// runs, acks on the next claim, and backs off while the queue is empty. Ctrl-C (or SIGTERM) stops
// claiming, lets running handlers finish for up to 10 s, and exits.
//
//   EDGEQ_URL=http://127.0.0.1:8788 EDGEQ_TOKEN=dev-token node examples/worker-consumer.mjs emails
import { createWorker, JobError } from 'edgeq/client';

const queue = process.argv[2] ?? 'emails';

const worker = createWorker({
  url: process.env.EDGEQ_URL ?? 'http://127.0.0.1:8788',
  token: process.env.EDGEQ_TOKEN,
  queue,
  concurrency: 5,
  handler: async (job) => {
    // Your work goes here. Use job.id as the idempotency key for side effects.
    if (job.payload?.fail) throw new JobError('asked to fail', { dead: true });
    console.log(`processed ${job.id} (attempt ${job.attempt}) for ${job.payload?.to ?? '?'}`);
    return { handledAt: new Date().toISOString() }; // stored as the job's result
  },
});
console.log(`consuming ${queue}; Ctrl-C to stop`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await worker.stop({ graceMs: 10_000 });
    const { completed, failed } = worker.stats;
    console.log(`stopped: ${completed} completed, ${failed} failed`);
  });
}
