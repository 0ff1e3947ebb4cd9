/**
 * The Upstash driver under concurrency and lost responses, through the runtime (so ids, op ids
 * and lease tokens are minted as in production), the real @upstash/redis client with its retries
 * on, the REST endpoint and the machine's Redis.
 */
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import { newJobId, newLeaseToken } from '../../src/runtime/ids.js';
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

describe('upstash flow control at scale', () => {
  const T0 = 1_800_000_000_000;
  const DEFAULTS = { maxAttempts: 3, leaseMs: 30_000 };

  /** Redis commands executed so far (scripts' inner calls included), across the server. */
  async function commands(redis: Redis): Promise<number> {
    const info = String(await redis.eval("return redis.call('INFO', 'commandstats')", [], []));
    return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  }

  it('a claim never walks a busy group backlog: 20,000 jobs in one group at its limit', async () => {
    prefix = `{edgeqtest-${Math.random().toString(36).slice(2, 10)}}`;
    const d = upstashDriver({ url: server.url, token: server.token, prefix });
    const redis = new Redis({ url: server.url, token: server.token });
    let seq = 0;
    const mk = (group: string) => ({
      id: newJobId(T0 + seq++),
      queue: 'q',
      payload: '{}',
      runAt: T0,
      priority: 0,
      group,
    });
    for (let b = 0; b < 20; b++) {
      const jobs = Array.from({ length: 1_000 }, () => mk('big'));
      await d.enqueue({ ns: 'flow', now: T0, defaults: DEFAULTS, jobs });
    }
    await d.enqueue({
      ns: 'flow',
      now: T0,
      defaults: DEFAULTS,
      jobs: Array.from({ length: 9 }, (_, i) => mk(`small-${i}`)),
    });
    const limits = { groupConcurrency: 1 };
    const claim = (acks: { id: string; leaseToken: string }[] = []) =>
      d.claim({
        ns: 'flow',
        now: T0,
        queue: 'q',
        limit: 10,
        leaseToken: newLeaseToken(),
        limits,
        acks,
      });
    const first = await claim();
    expect(first.jobs.map((j) => j.group).sort()).toEqual([
      'big',
      ...Array.from({ length: 9 }, (_, i) => `small-${i}`),
    ]);
    // Every group is at its limit: nothing to take, and the walk costs a few commands per group.
    let before = await commands(redis);
    expect((await claim()).jobs).toEqual([]);
    expect((await commands(redis)) - before).toBeLessThan(300);
    // Acking frees each group: the next claim takes one more big job (the small ones are done).
    before = await commands(redis);
    const next = await claim(first.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken })));
    expect(next.jobs.map((j) => j.group)).toEqual(['big']);
    expect((await commands(redis)) - before).toBeLessThan(500);
  }, 60_000);

  it('32 concurrent claimers never hold more than `concurrency` live leases', async () => {
    prefix = `{edgeqtest-${Math.random().toString(36).slice(2, 10)}}`;
    const d = upstashDriver({ url: server.url, token: server.token, prefix });
    const jobs = Array.from({ length: 200 }, (_, i) => ({
      id: newJobId(T0 + i),
      queue: 'q',
      payload: '{}',
      runAt: T0,
      priority: 0,
      group: `g${i % 3}`,
    }));
    await d.enqueue({ ns: 'flow', now: T0, defaults: DEFAULTS, jobs });
    const limits = { concurrency: 5, groupConcurrency: 2 };
    const live = new Map<string, string>();
    let peak = 0;
    let groupPeak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (done < jobs.length) {
          const r = await d.claim({
            ns: 'flow',
            now: T0,
            queue: 'q',
            limit: 3,
            leaseToken: newLeaseToken(),
            limits,
          });
          for (const j of r.jobs) live.set(j.id, j.group ?? '');
          peak = Math.max(peak, live.size);
          const perGroup = new Map<string, number>();
          for (const g of live.values()) perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
          groupPeak = Math.max(groupPeak, ...perGroup.values());
          // Hold the leases a moment so claimers overlap. A lease leaves the live set before its
          // ack is sent, so the store always holds at least what the live set does.
          await new Promise((res) => setTimeout(res, 2));
          for (const j of r.jobs) live.delete(j.id);
          if (r.jobs.length) {
            const acks = r.jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken }));
            await d.ack({ ns: 'flow', now: T0, acks });
            done += r.jobs.length;
          } else {
            await new Promise((res) => setTimeout(res, 1));
          }
        }
      }),
    );
    expect(peak).toBe(5);
    expect(groupPeak).toBe(2);
    expect((await d.queues({ ns: 'flow', now: T0, queue: 'q' }))[0]?.counts.completed).toBe(200);
  }, 60_000);
});
