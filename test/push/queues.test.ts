/** Push delivery end to end: bind a queue, the tick POSTs its jobs signed, the outcome settles them. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createApp } from '../../src/handlers/app.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function receiver(
  reply: (n: number) => { status: number; headers?: Record<string, string> },
) {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const r = reply(got.length);
      res.writeHead(r.status, r.headers).end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

function setup(policy = { allowHttp: true, allowPrivate: true }) {
  const clock = { now: Date.now() };
  const rt = createRuntime({ driver: memoryDriver(), pushPolicy: policy, now: () => clock.now });
  const app = createApp(rt, { open: true });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  return { rt, call, clock };
}

describe('push delivery', () => {
  it('POSTs each job signed per Standard Webhooks, verified by the reference library, and acks it', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    const { rt, call } = setup();
    const bound = await call('PUT', '/v1/queues/events/push', { url: hook.url });
    expect(bound.json.secrets).toHaveLength(1);
    const secret: string = bound.json.secrets[0];
    expect((await call('GET', '/v1/queues/events/push')).json).toEqual({
      queue: 'events',
      url: hook.url,
      secrets: 1,
    });

    const { json: job } = await call('POST', '/v1/queues/events/jobs', { payload: { order: 7 } });
    const tick = await rt.tick();
    expect(tick.pushed).toEqual({ delivered: 1, failed: 0 });
    expect(hook.got).toHaveLength(1);
    const sent = hook.got[0]!;
    const verified = new Webhook(secret).verify(sent.body, sent.headers as Record<string, string>);
    expect(verified).toMatchObject({
      id: job.id,
      queue: 'events',
      payload: { order: 7 },
      attempt: 1,
    });
    expect(sent.headers['webhook-id']).toBe(job.id);
    expect((await rt.get(job.id)).state).toBe('completed');
  });

  it('retries a failed delivery with backoff, honouring Retry-After, keeping the body out of the job', async () => {
    const hook = await receiver((n) =>
      n === 1 ? { status: 500 } : { status: 429, headers: { 'retry-after': '7' } },
    );
    const { rt, call, clock } = setup();
    await call('PUT', '/v1/queues/events/push', { url: hook.url });
    const { json: job } = await call('POST', '/v1/queues/events/jobs', {
      payload: 1,
      maxAttempts: 3,
    });
    expect((await rt.tick()).pushed).toEqual({ delivered: 0, failed: 1 });
    const first = await rt.get(job.id);
    expect(first).toMatchObject({ state: 'scheduled', attempt: 1 });
    expect(first.lastError).toMatch(/^push to 127\.0\.0\.1:\d+ failed: HTTP 500$/);
    expect(JSON.stringify(first)).not.toContain('"ok"');
    // Due again: this time the endpoint answers 429 with Retry-After: 7 (seconds).
    clock.now = Date.parse(first.runAt);
    expect((await rt.tick()).pushed).toEqual({ delivered: 0, failed: 1 });
    const second = await rt.get(job.id);
    expect(second).toMatchObject({ state: 'scheduled', attempt: 2 });
    expect(Date.parse(second.runAt) - clock.now).toBe(7_000);
  });

  it('refuses to bind a private or non-https endpoint under the default policy', async () => {
    const { call } = setup({} as never);
    for (const url of [
      'http://127.0.0.1:9/hook',
      'https://169.254.169.254/latest',
      'https://localhost/x',
      'https://user:pw@example.com/',
    ]) {
      const r = await call('PUT', '/v1/queues/events/push', { url });
      expect(r.status, url).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'invalid_request', field: 'url' });
    }
    expect(
      (await call('PUT', '/v1/queues/events/push', { url: 'https://hooks.example.com/edgeq' }))
        .status,
    ).toBe(200);
    expect((await call('DELETE', '/v1/queues/events/push')).json).toEqual({
      queue: 'events',
      push: null,
    });
    expect((await call('GET', '/v1/queues/events/push')).status).toBe(404);
  });
});
