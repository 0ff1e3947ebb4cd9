#!/usr/bin/env node
// A pull consumer for any long-running host: claim a batch, run each job, and carry the acks on
// the next claim, so the loop costs one request per batch. Failed jobs are nacked (retried with
// backoff, dead after maxAttempts). Stops when the queue is empty, or on Ctrl-C after the batch.
//
//   EDGEQ_URL=http://127.0.0.1:8787 EDGEQ_TOKEN=... node examples/pull-consumer.mjs emails
const base = process.env.EDGEQ_URL ?? 'http://127.0.0.1:8787';
const queue = process.argv[2] ?? 'default';
const headers = { 'content-type': 'application/json' };
if (process.env.EDGEQ_TOKEN) headers.authorization = `Bearer ${process.env.EDGEQ_TOKEN}`;

async function post(path, body) {
  const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok)
    throw new Error(`${path}: ${res.status} ${json.error?.code}: ${json.error?.message}`);
  return json;
}

/** Your work goes here. Use job.id as the idempotency key for side effects. */
async function handle(job) {
  if (job.payload?.fail) throw new Error('asked to fail');
  return { handledAt: new Date().toISOString() };
}

let stopping = false;
process.on('SIGINT', () => (stopping = true));

let acks = [];
let done = 0;
while (!stopping) {
  const { jobs } = await post(`/v1/queues/${queue}/claim`, { limit: 10, acks });
  acks = [];
  if (jobs.length === 0) break;
  for (const job of jobs) {
    try {
      acks.push({ id: job.id, leaseToken: job.leaseToken, result: await handle(job) });
      done++;
    } catch (err) {
      await post(`/v1/jobs/${job.id}/nack`, { leaseToken: job.leaseToken, error: String(err) });
    }
  }
}
if (acks.length) await post('/v1/ack', { acks });
console.log(`processed ${done} job(s) from ${queue}`);
