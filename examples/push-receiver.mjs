#!/usr/bin/env node
// A push endpoint for a queue bound with `PUT /v1/queues/:queue/push`: it checks each delivery's
// Standard Webhooks signature with edgeq's `verify` and answers 2xx only for a valid one (edgeq
// retries anything else). Deduplicate by `webhook-id` (the job id): delivery is at least once.
//
//   EDGEQ_PUSH_SECRET=whsec_... PORT=8790 node examples/push-receiver.mjs
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { verify } from '../dist/index.js'; // in your project: from 'edgeq'

/** Starts the receiver; `onJob` gets each verified delivery. Resolves with its URL. */
export async function startReceiver({
  port = 0,
  secret,
  onJob = (job) => console.log('job', job.id),
}) {
  const seen = new Set();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      try {
        const { id } = await verify({ headers: req.headers, body, secrets: [secret] });
        if (!seen.has(id)) {
          seen.add(id);
          await onJob(JSON.parse(body));
        }
        res.writeHead(204).end();
      } catch (err) {
        res.writeHead(400).end(String(err.message));
      }
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await startReceiver({
    port: Number(process.env.PORT ?? 8790),
    secret: process.env.EDGEQ_PUSH_SECRET,
  });
  console.log(`receiving pushes on ${r.url}`);
}
