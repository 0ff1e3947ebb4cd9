#!/usr/bin/env node
// Enqueue jobs with the typed client from any Node script (the same code runs in a Worker, Deno,
// Bun or a browser). Each job gets an idempotency key, so the client's retries after a lost
// answer never store it twice.
//
//   EDGEQ_URL=http://127.0.0.1:8788 EDGEQ_TOKEN=dev-token node examples/enqueue.mjs emails 3
import { EdgeqClient } from 'edgeq/client';

const queue = process.argv[2] ?? 'emails';
const count = Number(process.argv[3] ?? 1);
const client = new EdgeqClient({
  url: process.env.EDGEQ_URL ?? 'http://127.0.0.1:8788',
  token: process.env.EDGEQ_TOKEN,
});

const jobs = Array.from({ length: count }, (_, i) => ({
  payload: { to: `user${i}@example.com`, subject: 'Welcome' },
}));
const { jobs: stored } = await client.enqueueBatch(queue, jobs);
for (const job of stored) console.log(`enqueued ${job.id} on ${queue}`);
