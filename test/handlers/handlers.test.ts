/** In-process handlers: run by drain, the tick and right after an enqueue; settled by outcome. */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createApp } from '../../src/handlers/app.js';
import type { HandlerSpec } from '../../src/runtime/handlers.js';
import { createRuntime } from '../../src/runtime/runtime.js';

function setup(handlers: Record<string, HandlerSpec>) {
  const clock = { now: Date.UTC(2026, 5, 1) };
  const rt = createRuntime({ driver: memoryDriver(), now: () => clock.now, handlers });
  return { rt, clock };
}

describe('in-process handlers', () => {
  it('a job enqueued to a handler queue completes on the tick, with no claim from outside', async () => {
    const seen: unknown[] = [];
    const { rt } = setup({
      email: async (job) => {
        seen.push(job.payload);
        return { sent: true, attempt: job.attempt };
      },
    });
    const { id } = (await rt.enqueue('email', [{ payload: { to: 'a' } }]))[0]!;
    const tick = await rt.tick();
    expect(tick.handled).toEqual({ ran: 1, completed: 1, failed: 0 });
    expect(seen).toEqual([{ to: 'a' }]);
    expect(await rt.get(id)).toMatchObject({
      state: 'completed',
      result: { sent: true, attempt: 1 },
    });
  });

  it('a throwing handler retries with backoff and ends dead after maxAttempts', async () => {
    let calls = 0;
    const { rt, clock } = setup({
      flaky: () => {
        calls++;
        throw new TypeError('smtp refused');
      },
    });
    const { id } = (await rt.enqueue('flaky', [{ maxAttempts: 3 }]))[0]!;
    const r1 = await rt.drain('flaky');
    expect(r1).toMatchObject({ ran: 1, failed: 1, done: true });
    const after1 = await rt.get(id);
    expect(after1).toMatchObject({
      state: 'scheduled',
      attempt: 1,
      lastError: 'TypeError: smtp refused',
    });
    // Backoff: nothing runs until the retry time.
    expect((await rt.drain('flaky')).ran).toBe(0);
    clock.now = Date.parse(after1.runAt);
    await rt.drain('flaky');
    clock.now += 3_600_000;
    await rt.drain('flaky');
    expect(calls).toBe(3);
    expect(await rt.get(id)).toMatchObject({ state: 'dead', attempt: 3 });
    clock.now += 3_600_000;
    expect((await rt.drain('flaky')).ran).toBe(0);
  });

  it('a follow-up enqueued in a handler exists if and only if the ack happened', async () => {
    const { rt } = setup({
      order: (job, ctx) => {
        ctx.enqueue('receipt', { payload: { for: job.id } });
        if ((job.payload as { fail?: boolean }).fail) throw new Error('no');
        return 'ok';
      },
    });
    await rt.enqueue('order', [{ payload: {} }, { payload: { fail: true }, maxAttempts: 1 }]);
    const r = await rt.drain('order');
    expect(r).toMatchObject({ ran: 2, completed: 1, failed: 1 });
    const receipts = await rt.list('receipt', 'queued');
    expect(receipts.jobs).toHaveLength(1);
    const done = await rt.list('order', 'completed');
    expect(receipts.jobs[0]?.payload).toEqual({ for: done.jobs[0]?.id });
  });

  it('a handler that outlives its lease is nacked, and can extend its lease instead', async () => {
    const rt = createRuntime({
      driver: memoryDriver(),
      handlers: {
        slow: { handler: () => new Promise((r) => setTimeout(r, 1_500)), leaseMs: 1_000 },
        patient: {
          handler: async (_job, ctx) => {
            await new Promise((r) => setTimeout(r, 600));
            await ctx.extend(2_000);
            await new Promise((r) => setTimeout(r, 600));
            return 'finished';
          },
          leaseMs: 1_000,
        },
      },
    });
    const [slow] = await rt.enqueue('slow', [{}]);
    const [patient] = await rt.enqueue('patient', [{}]);
    const [a, b] = await Promise.all([rt.drain('slow'), rt.drain('patient')]);
    expect(a).toMatchObject({ ran: 1, failed: 1 });
    expect(await rt.get(slow!.id)).toMatchObject({ lastError: 'handler outlived its lease' });
    expect(b).toMatchObject({ ran: 1, completed: 1 });
    expect(await rt.get(patient!.id)).toMatchObject({ state: 'completed', result: 'finished' });
  });

  it('drains over HTTP, and runs right after an enqueue when the queue opts in', async () => {
    let ran = 0;
    const { rt } = setup({
      fast: { handler: () => ++ran, immediate: true },
      later: () => 'x',
    });
    const app = createApp(rt, { open: true });
    const res = await app.request('/v1/queues/fast/jobs', { method: 'POST', body: '{}' });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await expect.poll(async () => (await rt.get(id)).state).toBe('completed');
    expect(ran).toBe(1);

    await app.request('/v1/queues/later/jobs', { method: 'POST', body: '{"jobs":[{},{}]}' });
    const drained = await app.request('/v1/queues/later/drain', { method: 'POST' });
    expect(await drained.json()).toMatchObject({ ran: 2, completed: 2, done: true });
    const none = await app.request('/v1/queues/nobody/drain', { method: 'POST' });
    expect(none.status).toBe(404);
  });

  it('stops at the budget and leaves the rest for the next tick', async () => {
    const { rt } = setup({ busy: () => new Promise((r) => setTimeout(r, 30)) });
    await rt.enqueue(
      'busy',
      Array.from({ length: 50 }, () => ({})),
    );
    const r = await rt.drain('busy', { budgetMs: 50 });
    expect(r.done).toBe(false);
    expect(r.ran).toBeLessThan(50);
    expect(r.completed).toBe(r.ran);
    const counts = (await rt.queue('busy')).counts;
    expect(counts.active).toBe(0);
    expect(counts.completed + counts.queued).toBe(50);
  });
});

describe('tick budget', () => {
  it('an idle tick costs a fixed number of storage calls: reclaim, prune, schedules, pushes', async () => {
    const rt = createRuntime({ driver: memoryDriver() });
    await rt.tick(); // first tick also stores code-defined schedules (none here)
    const before = rt.calls;
    const r = await rt.tick();
    expect(rt.calls - before).toBe(4);
    expect(r.done).toBe(true);
  });

  it('stops at maxCalls and leaves the rest to the next tick', async () => {
    const rt = createRuntime({
      driver: memoryDriver(),
      tick: { maxCalls: 6 },
      handlers: { h: () => 1 },
    });
    await rt.enqueue(
      'h',
      Array.from({ length: 100 }, () => ({})),
    );
    const before = rt.calls;
    const r = await rt.tick();
    // One claim round may finish after the budget is reached (it settles its acks).
    expect(rt.calls - before).toBeLessThanOrEqual(7);
    expect(r.done).toBe(false);
    expect(r.handled.ran).toBeGreaterThan(0);
    expect(r.handled.ran).toBeLessThan(100);
  });
});
