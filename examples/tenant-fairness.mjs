#!/usr/bin/env node
// Per-tenant flow control over HTTP: one tenant floods the queue, two others send a few jobs,
// and the queue's settings keep every tenant moving. The settings live in the store, so every
// consumer (any number of Workers, processes or hosts) is held to them by the claim itself.
//
//   EDGEQ_URL=http://127.0.0.1:8787 EDGEQ_TOKEN=... node examples/tenant-fairness.mjs
const base = process.env.EDGEQ_URL ?? 'http://127.0.0.1:8787';
const queue = process.argv[2] ?? 'reports';
const headers = { 'content-type': 'application/json' };
if (process.env.EDGEQ_TOKEN) headers.authorization = `Bearer ${process.env.EDGEQ_TOKEN}`;

async function call(method, path, body) {
  const res = await fetch(base + path, { method, headers, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok)
    throw new Error(`${path}: ${res.status} ${json.error?.code}: ${json.error?.message}`);
  return json;
}

// At most 4 jobs of the queue in flight, and one per tenant at a time.
await call('PUT', `/v1/queues/${queue}`, { concurrency: 4, groupConcurrency: 1 });

const jobs = [
  ...Array.from({ length: 40 }, (_, i) => ({ group: 'big-co', payload: { n: i } })),
  ...Array.from({ length: 3 }, (_, i) => ({ group: 'small-1', payload: { n: i } })),
  ...Array.from({ length: 3 }, (_, i) => ({ group: 'small-2', payload: { n: i } })),
];
await call('POST', `/v1/queues/${queue}/jobs`, { jobs });

// Claim in rounds of up to 10 and ack each round with the next claim: the rotation serves the
// tenant that waited longest first, so the small tenants finish in the first rounds.
const order = [];
let acks = [];
for (;;) {
  const res = await call('POST', `/v1/queues/${queue}/claim`, { limit: 10, acks });
  if (res.jobs.length === 0) break;
  order.push(res.jobs.map((j) => j.group));
  acks = res.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
}
for (const [i, round] of order.slice(0, 4).entries())
  console.log(`round ${i + 1}: ${round.join(', ')}`);
const lastSmall = order.findIndex((r) => r.every((g) => g === 'big-co'));
console.log(`small tenants done by round ${lastSmall}; ${order.length} rounds in all`);
