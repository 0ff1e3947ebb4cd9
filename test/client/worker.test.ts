/**
 * `createWorker` against a live `edgeq serve` (memory store), through a counting proxy: every
 * job runs exactly once at concurrency 1 and 10 with acks riding on claims; a handler longer than
 * its lease keeps it by extending; a refused extension aborts the handler and the job is not
 * acked by it; failures retry then die; an idle worker claims rarely; stop() finishes or nacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorker,
  EdgeqClient,
  type EdgeqWorker,
  JobError,
  type WorkerOptions,
} from '../../src/client/index.js';
import {
  type Edgeq,
  type LossyProxy,
  pause,
  startEdgeq,
  startProxy,
  TOKEN,
  until,
} from './support.js';

let edgeq: Edgeq;
let proxy: LossyProxy;
let admin: EdgeqClient;
const errors: unknown[] = [];
const workers: EdgeqWorker[] = [];

beforeAll(async () => {
  edgeq = await startEdgeq();
  proxy = await startProxy(edgeq.url);
  admin = new EdgeqClient({ url: edgeq.url, token: TOKEN });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
  await proxy?.close();
  await edgeq?.stop();
});

function start<P>(opts: Omit<WorkerOptions<P>, 'url' | 'token'>): EdgeqWorker {
  const w = createWorker<P>({
    url: proxy.url,
    token: TOKEN,
    onError: (e) => errors.push(e),
    ...opts,
  });
  workers.push(w);
  return w;
}

describe.each([1, 10])('createWorker at concurrency %i', (concurrency) => {
  it('runs each of 300 jobs exactly once, acks carried by the claims', async () => {
    const queue = `exactly-once-${concurrency}`;
    const { jobs } = await admin.enqueueBatch(
      queue,
      Array.from({ length: 300 }, (_, i) => ({ payload: { i } })),
    );
    const calls = new Map<string, number>();
    let running = 0;
    let peak = 0;
    const worker = start<{ i: number }>({
      queue,
      concurrency,
      handler: async (job) => {
        calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
        peak = Math.max(peak, ++running);
        if (concurrency > 1) await pause(job.payload.i % 3); // a little work, so handlers overlap
        running--;
        return { doubled: job.payload.i * 2 };
      },
    });
    await until(() => worker.stats.completed === 300);
    await worker.stop();

    expect(calls.size).toBe(300);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(calls.keys())).toEqual(new Set(jobs.map((j) => j.id)));
    expect(peak).toBeLessThanOrEqual(concurrency);
    if (concurrency > 1) expect(peak).toBeGreaterThan(1);
    expect(worker.stats).toMatchObject({ received: 300, completed: 300, failed: 0, lost: 0 });
    const counts = (await admin.queue(queue)).counts;
    expect(counts).toMatchObject({ completed: 300, active: 0, queued: 0 });
    expect((await admin.get(jobs[7]!.id)).result).toEqual({ doubled: 14 });

    // On the wire: every job acked once, nearly all of them riding on claims.
    const claims = proxy.bodies('POST', `/v1/queues/${queue}/claim`);
    expect(claims.length).toBe(worker.stats.claims);
    expect(claims.every((b) => b.limit >= 1 && b.limit <= concurrency)).toBe(true);
    const carried = claims.flatMap((b) => b.acks ?? []).map((a: { id: string }) => a.id);
    const alone = proxy
      .bodies('POST', '/v1/ack')
      .flatMap((b) => b.acks.map((a: { id: string }) => a.id))
      .filter((id: string) => calls.has(id)); // this queue's jobs only
    expect([...carried, ...alone].sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(carried.length).toBeGreaterThan(alone.length);
    expect(proxy.count('POST', /^\/v1\/jobs\/[^/]+\/ack$/)).toBe(0);
  });
});

describe('createWorker above 100 slots', () => {
  it('claims at most 100 per request and keeps every slot busy', async () => {
    const queue = 'wide';
    await admin.enqueueBatch(
      queue,
      Array.from({ length: 250 }, () => ({})),
    );
    let running = 0;
    let peak = 0;
    const worker = start({
      queue,
      concurrency: 150,
      handler: async () => {
        peak = Math.max(peak, ++running);
        await pause(150);
        running--;
      },
    });
    await until(() => worker.stats.completed === 250);
    await worker.stop();
    const limits = proxy.bodies('POST', `/v1/queues/${queue}/claim`).map((b) => b.limit);
    expect(limits.slice(0, 2)).toEqual([100, 50]);
    expect(Math.max(...limits)).toBe(100);
    expect(peak).toBe(150);
  });

  it('asks for no more than batchSize jobs per claim', async () => {
    const queue = 'narrow';
    await admin.enqueueBatch(
      queue,
      Array.from({ length: 30 }, () => ({})),
    );
    const worker = start({ queue, concurrency: 10, batchSize: 4, handler: async () => {} });
    await until(() => worker.stats.completed === 30);
    await worker.stop();
    const limits = proxy.bodies('POST', `/v1/queues/${queue}/claim`).map((b) => b.limit);
    expect(limits.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...limits)).toBe(4);
    expect(() => start({ queue, batchSize: 101, handler: () => {} })).toThrow(/batchSize/);
  });
});

describe('createWorker leases', () => {
  it('keeps a lease longer than its length by extending it, and is never redelivered', async () => {
    const queue = 'long';
    const { jobs } = await admin.enqueueBatch(queue, [{ payload: 1 }, { payload: 2 }]);
    const calls: string[] = [];
    const worker = start({
      queue,
      concurrency: 2,
      leaseMs: 1_000,
      handler: async (job) => {
        calls.push(job.id);
        await pause(2_500);
        return 'slow but fine';
      },
    });
    const reclaimed: number[] = [];
    for (let t = 0; t < 6; t++) {
      await pause(400);
      reclaimed.push((await admin.tick()).reclaimed); // would take any lease that lapsed
    }
    await until(() => worker.stats.completed === 2);
    await worker.stop();
    expect(reclaimed).toEqual([0, 0, 0, 0, 0, 0]);
    expect(calls.sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const { id } of jobs) {
      expect(await admin.get(id)).toMatchObject({
        state: 'completed',
        attempt: 1,
        result: 'slow but fine',
      });
    }
    expect(proxy.count('POST', `/v1/jobs/${jobs[0]!.id}/extend`)).toBeGreaterThanOrEqual(4);
  });

  it('extends at once when the handler asks, for the length it asks', async () => {
    const queue = 'asks';
    const { id } = await admin.enqueue(queue);
    let seen: number | undefined;
    const worker = start({
      queue,
      leaseMs: 5_000,
      handler: async (_job, ctx) => {
        await ctx.extend(120_000);
        seen = Date.parse((await admin.get(id)).leaseExpiresAt!) - Date.now();
      },
    });
    await until(() => worker.stats.completed === 1);
    await worker.stop();
    expect(seen).toBeGreaterThan(110_000);
    expect(seen).toBeLessThanOrEqual(120_000);
  });

  it('aborts the handler when an extension is refused, and does not ack that run', async () => {
    const queue = 'refused';
    await admin.putQueueSettings(queue, { backoff: { type: 'fixed', delayMs: 0 } });
    const { id } = await admin.enqueue(queue);
    let aborted: unknown;
    const worker = start({
      queue,
      leaseMs: 1_000,
      handler: async (job, { signal }) => {
        if (job.attempt > 1) return 'second run';
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        aborted = signal.reason;
        return 'too late';
      },
    });
    // The first extension is held back until the lease has lapsed and been reclaimed.
    proxy.stallNext((m, p) => m === 'POST' && p === `/v1/jobs/${id}/extend`, 1_500);
    // Ticks until the lapsed lease is taken back (its expiry is about 1 s after the claim).
    await until(async () => (await admin.tick()).reclaimed === 1, 1_400);
    expect(aborted).toBeUndefined(); // the handler still runs, unaware, until the 409 arrives
    await until(() => worker.stats.completed === 1);
    await worker.stop();
    expect(aborted).toBeInstanceOf(Error);
    expect(worker.stats.lost).toBe(1);
    expect(await admin.get(id)).toMatchObject({
      state: 'completed',
      attempt: 2,
      result: 'second run',
    });
  });
});

describe('createWorker failures', () => {
  it('nacks a throwing handler, retries it, and dead-letters it after maxAttempts', async () => {
    const queue = 'throws';
    const { id } = await admin.enqueue(queue, { maxAttempts: 3 });
    const { id: fatal } = await admin.enqueue(queue, { maxAttempts: 3, payload: 'fatal' });
    const attempts: number[] = [];
    const worker = start({
      queue,
      handler: (job) => {
        if (job.payload === 'fatal') throw new JobError('no such address', { dead: true });
        attempts.push(job.attempt);
        throw Object.assign(new Error(`failed attempt ${job.attempt}`), { retryInMs: 0 });
      },
    });
    await until(() => worker.stats.failed === 4);
    await worker.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(await admin.get(id)).toMatchObject({
      state: 'dead',
      attempt: 3,
      lastError: 'failed attempt 3',
    });
    expect(await admin.get(fatal)).toMatchObject({
      state: 'dead',
      attempt: 1,
      lastError: 'no such address',
    });
  });

  it('reports transport errors through onError and keeps going', async () => {
    const seen: unknown[] = [];
    const worker = createWorker({
      url: 'http://127.0.0.1:1', // nothing listens there
      queue: 'nowhere',
      handler: () => undefined,
      retries: 0,
      maxIdleDelayMs: 50,
      onError: (err, info) => seen.push([info.phase, (err as Error).name]),
    });
    await until(() => seen.length >= 3);
    expect(worker.running).toBe(true);
    await worker.stop();
    expect(seen[0]).toEqual(['claim', 'EdgeqNetworkError']);
  });
});

describe('createWorker when idle', () => {
  it('makes few claims over 2 s on an empty queue, and still picks up a new job quickly', async () => {
    const queue = 'idle';
    let ran = 0;
    const worker = start({ queue, concurrency: 5, handler: () => void ran++ });
    await pause(2_000);
    const claims = proxy.count('POST', `/v1/queues/${queue}/claim`);
    expect(claims).toBeGreaterThanOrEqual(3); // it does poll
    expect(claims).toBeLessThanOrEqual(15); // 25 ms doubling to 1 s: about 9
    const at = Date.now();
    await admin.enqueue(queue);
    await until(() => worker.stats.completed === 1);
    expect(Date.now() - at).toBeLessThan(1_500); // the backoff is capped at 1 s
    await worker.stop();
    expect(ran).toBe(1);
  });
});

describe('createWorker acks', () => {
  it('sends an ack alone within ackDelayMs when no claim is due soon', async () => {
    const queue = 'ack-alone';
    const { id } = await admin.enqueue(queue);
    let finishedAt = 0;
    const worker = start({
      queue,
      concurrency: 2,
      idleDelayMs: 2_000, // the free slot's next claim is 1 to 2 s away
      maxIdleDelayMs: 2_000,
      handler: async () => {
        await pause(300);
        finishedAt = Date.now();
        return 'alone';
      },
    });
    await until(async () => (await admin.get(id)).state === 'completed');
    const latency = Date.now() - finishedAt;
    await worker.stop();
    // 50 ms plus the request and this poll; the next claim was at least 1 s away.
    expect(latency).toBeLessThan(800);
    const alone = proxy
      .bodies('POST', '/v1/ack')
      .filter((b) => b.acks.some((a: any) => a.id === id));
    expect(alone).toEqual([{ acks: [{ id, leaseToken: expect.any(String), result: 'alone' }] }]);
  });
});

describe('createWorker results the server refuses', () => {
  it('nacks a job whose result cannot be acked, while the other acks still land', async () => {
    const queue = 'bad-results';
    let deep: unknown = 'bottom';
    for (let i = 0; i < 70; i++) deep = [deep]; // past the 64 levels the API accepts
    const { jobs } = await admin.enqueueBatch(queue, [
      { payload: 'bigint', maxAttempts: 1 },
      { payload: 'deep', maxAttempts: 1 },
      { payload: 'fine', maxAttempts: 1 },
    ]);
    const seen: unknown[] = [];
    const worker = start({
      queue,
      concurrency: 3,
      onError: (e) => seen.push(e),
      handler: async (job) => {
        await pause(20); // all three finish before the next claim carries their acks
        if (job.payload === 'bigint') return 10n;
        if (job.payload === 'deep') return deep;
        return 'fine';
      },
    });
    await until(() => worker.stats.completed + worker.stats.failed === 3);
    await worker.stop();
    expect(worker.stats).toMatchObject({ completed: 1, failed: 2, lost: 0 });
    const [bigint, nested, fine] = await Promise.all(jobs.map((j) => admin.get(j.id)));
    expect(bigint).toMatchObject({ state: 'dead', lastError: expect.stringContaining('BigInt') });
    expect(nested).toMatchObject({ state: 'dead', lastError: expect.stringContaining('nested') });
    expect(fine).toMatchObject({ state: 'completed', result: 'fine' });
    expect(seen.length).toBeGreaterThan(0); // the refused batch was reported
  });
});

describe('createWorker stop()', () => {
  it('waits for a running handler and acks it', async () => {
    const queue = 'graceful';
    const { id } = await admin.enqueue(queue);
    let started = false;
    const worker = start({
      queue,
      handler: async () => {
        started = true;
        await pause(300);
        return 'finished';
      },
    });
    await until(() => started);
    await worker.stop({ graceMs: 5_000 });
    expect(worker.running).toBe(false);
    expect(worker.active).toBe(0);
    expect(await admin.get(id)).toMatchObject({ state: 'completed', result: 'finished' });
  });

  it('nacks a handler that outlives graceMs, with its signal aborted, to run again at once', async () => {
    const queue = 'outlives';
    const { id } = await admin.enqueue(queue);
    let signal: AbortSignal | undefined;
    const worker = start({
      queue,
      handler: async (_job, ctx) => {
        signal = ctx.signal;
        await pause(3_000);
        return 'ignored';
      },
    });
    await until(() => signal !== undefined);
    const at = Date.now();
    await worker.stop({ graceMs: 200 });
    expect(Date.now() - at).toBeLessThan(1_000);
    expect(signal!.aborted).toBe(true);
    expect(worker.stats.failed).toBe(1);
    const job = await admin.get(id);
    expect(job).toMatchObject({ state: 'queued', attempt: 1 });
    expect(job.lastError).toContain('stopped');
    expect(Date.parse(job.runAt)).toBeLessThanOrEqual(Date.now());
  });

  it('stops on its AbortSignal and leaves no timer behind', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const ctrl = new AbortController();
    const worker = start({ queue: 'signalled', handler: () => undefined, signal: ctrl.signal });
    await pause(100);
    ctrl.abort();
    await until(() => !worker.running);
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('onError', () => {
  it('saw no errors in the runs above that expected none', () => {
    // The refused extension and the unreachable server report on purpose; nothing else may.
    const unexpected = errors.filter(
      (e) => !(e instanceof Error && /lease|extend|409/.test(`${e.name} ${e.message}`)),
    );
    expect(unexpected).toEqual([]);
  });
});
