/**
 * The Upstash driver under concurrency and lost responses, through the runtime (so ids, op ids
 * and lease tokens are minted as in production), the real @upstash/redis client with its retries
 * on, the REST endpoint and the machine's Redis.
 */
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { drain } from '../support/drain.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';

let server: UpstashServer;
let prefix: string;
beforeAll(async () => {
  server = await startUpstashServer({ seed: 7 });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  server.faults = {};
  const redis = new Redis({ url: server.url, token: server.token });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});

function runtime(): Runtime {
  prefix = `{edgeqtest-${Math.random().toString(36).slice(2, 10)}}`;
  return createRuntime({ driver: upstashDriver({ url: server.url, token: server.token, prefix }) });
}

/** Runs `n` workers over a shared counter until `total` items are done. */
async function pool(n: number, total: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

describe('upstash under load and faults', () => {
  it('16 concurrent claimers over 2,000 jobs: each claimed once, completed once, none lost', async () => {
    const rt = runtime();
    const ids = new Set<string>();
    for (let b = 0; b < 4; b++) {
      const res = await rt.enqueue(
        'work',
        Array.from({ length: 500 }, (_, i) => ({ payload: { b, i } })),
      );
      for (const r of res) ids.add(r.id);
    }
    expect(ids.size).toBe(2_000);
    const { tokens, acked, failures } = await drain(Array(16).fill(rt), 'work');
    expect(failures).toEqual([]);
    expect(tokens.size).toBe(2_000);
    expect([...tokens.values()].every((t) => t.size === 1)).toBe(true);
    expect([...ids].every((id) => acked.get(id) === 1)).toBe(true);
    expect((await rt.queue('work')).counts).toMatchObject({
      queued: 0,
      active: 0,
      completed: 2_000,
    });
  });

  it('10% of responses dropped after execution, client retries on: exactly 2,000 jobs, all completed once', async () => {
    const rt = runtime();
    server.faults = { dropAfterRate: 0.1 };
    const before = { dropped: server.stats.dropped, requests: server.requests };
    const ids = new Set<string>();
    await pool(16, 2_000, async (i) => {
      const [r] = await rt.enqueue('work', [{ payload: { i }, key: `order-${i}` }]);
      ids.add(r!.id);
    });
    expect(ids.size).toBe(2_000);
    const { tokens, acked, failures } = await drain(Array(16).fill(rt), 'work');
    const dropped = server.stats.dropped - before.dropped;
    const requests = server.requests - before.requests;
    server.faults = {};
    // The faults really happened, at about the configured rate. (Auto-pipelining folds concurrent
    // calls into one request, so there are fewer requests than calls.)
    expect(dropped).toBeGreaterThan(requests * 0.05);
    expect(failures).toEqual([]);
    // No two live leases on one job: each job was only ever leased under one token.
    expect(tokens.size).toBe(2_000);
    expect([...tokens.values()].filter((t) => t.size !== 1)).toEqual([]);
    expect([...ids].filter((id) => acked.get(id) !== 1)).toEqual([]);
    const counts = (await rt.queue('work')).counts;
    expect(counts).toEqual({
      scheduled: 0,
      queued: 0,
      active: 0,
      completed: 2_000,
      dead: 0,
      cancelled: 0,
    });
  }, 120_000);

  it('a 5xx that was not executed surfaces as driver_unavailable, logs no payload, stores nothing', async () => {
    const rt = runtime();
    server.faults = { cues: ['error-5xx'] };
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      logged.push(a.map(String).join(' '));
    });
    try {
      await expect(rt.enqueue('work', [{ payload: 'secret-payload-xyz' }])).rejects.toMatchObject({
        code: 'driver_unavailable',
      });
    } finally {
      spy.mockRestore();
    }
    expect(logged.join('\n')).toContain('[upstash] enqueue failed');
    expect(logged.join('\n')).not.toContain('secret-payload-xyz');
    expect((await rt.queue('work')).counts.queued).toBe(0);
  });
});
