/** Schedules end to end on the runtime: API, tick, catch-up, duplicates, seconds, time zones. */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { createApp } from '../../src/handlers/app.js';
import { createRuntime, type RuntimeOptions } from '../../src/runtime/runtime.js';

const T = Date.parse('2026-06-01T10:00:30Z');

function setup(opts: Partial<RuntimeOptions> = {}, start = T) {
  const clock = { now: start };
  const rt = createRuntime({ driver: memoryDriver(), now: () => clock.now, ...opts });
  const app = createApp(rt, { open: true });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  /** Every job of the queue (any state) with its run time, sorted. */
  const runTimes = async (queue: string) => {
    const out: string[] = [];
    for (const state of ['scheduled', 'queued', 'active', 'completed'] as const) {
      for (const j of (await rt.list(queue, state, { limit: 1_000 })).jobs) out.push(j.runAt);
    }
    return out.sort();
  };
  /** The slots (from each job's `cron:<name>:<slot>` key) enqueued to the queue, sorted. */
  const slots = async (queue: string) => {
    const out: string[] = [];
    for (const state of ['scheduled', 'queued'] as const) {
      for (const j of (await rt.list(queue, state, { limit: 1_000 })).jobs) {
        out.push(new Date(Number(j.key?.split(':')[2])).toISOString());
      }
    }
    return out.sort();
  };
  return { rt, clock, call, runTimes, slots };
}

describe('schedules', () => {
  it('are created, read, paused, resumed and deleted through the API', async () => {
    const { call } = setup();
    const put = await call('PUT', '/v1/schedules/report', {
      cron: '0 9 * * MON-FRI',
      tz: 'Europe/Berlin',
      queue: 'reports',
      payload: { kind: 'daily' },
    });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({
      name: 'report',
      tz: 'Europe/Berlin',
      catchUp: 1,
      paused: false,
      nextRunAt: '2026-06-02T07:00:00.000Z',
    });
    expect(
      (await call('PUT', '/v1/schedules/report', { cron: '0 10 * * *', queue: 'reports' })).status,
    ).toBe(200);
    expect(
      (await call('GET', '/v1/schedules')).json.schedules.map((s: { cron: string }) => s.cron),
    ).toEqual(['0 10 * * *']);
    expect((await call('POST', '/v1/schedules/report/pause')).json).toMatchObject({ paused: true });
    expect((await call('GET', '/v1/schedules/report')).json.nextRunAt).toBeUndefined();
    expect((await call('POST', '/v1/schedules/report/resume')).json).toMatchObject({
      paused: false,
      nextRunAt: '2026-06-02T10:00:00.000Z',
    });
    expect((await call('DELETE', '/v1/schedules/report')).json).toEqual({
      name: 'report',
      deleted: true,
    });
    expect((await call('DELETE', '/v1/schedules/report')).status).toBe(404);
    expect((await call('GET', '/v1/schedules/report')).status).toBe(404);
  });

  it('rejects bad definitions naming the field', async () => {
    const { call } = setup();
    const bad = async (body: unknown, field: string) => {
      const r = await call('PUT', '/v1/schedules/x', body);
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'invalid_request', field });
    };
    await bad({ cron: '61 * * * *', queue: 'q' }, 'cron');
    await bad({ cron: '* * * * *', queue: 'q', tz: 'Mars/Olympus' }, 'tz');
    await bad({ cron: '* * * * *', queue: 'a b' }, 'queue');
    await bad({ cron: '* * * * *', queue: 'q', every: 5 }, 'every');
    await bad({ cron: '* * * * *', queue: 'q', catchUp: 0 }, 'catchUp');
    expect(
      (await call('PUT', '/v1/schedules/bad:name', { cron: '* * * * *', queue: 'q' })).status,
    ).toBe(400);
  });

  it('enqueues each slot once, however often the tick runs', async () => {
    const { rt, call, clock, runTimes } = setup();
    await call('PUT', '/v1/schedules/m', { cron: '* * * * *', queue: 'q' });
    const first = await rt.tick();
    // The next two minutes' slots, enqueued ahead as delayed jobs.
    expect(first.schedules).toEqual({ schedules: 1, enqueued: 2 });
    await Promise.all([rt.tick(), rt.tick(), rt.tick(), rt.tick(), rt.tick()]);
    expect(await runTimes('q')).toEqual(['2026-06-01T10:01:00.000Z', '2026-06-01T10:02:00.000Z']);
    clock.now += 60_000;
    await Promise.all([rt.tick(), rt.tick()]);
    expect(await runTimes('q')).toEqual([
      '2026-06-01T10:01:00.000Z',
      '2026-06-01T10:02:00.000Z',
      '2026-06-01T10:03:00.000Z',
    ]);
  });

  it('after missed ticks enqueues only the latest slot, or up to catchUp of them', async () => {
    for (const [catchUp, expected] of [
      [1, ['10:06']],
      [3, ['10:04', '10:05', '10:06']],
    ] as const) {
      const { rt, call, clock, slots } = setup();
      await call('PUT', '/v1/schedules/m', { cron: '* * * * *', queue: 'q', catchUp });
      await rt.tick(); // enqueues 10:01 and 10:02
      clock.now = Date.parse('2026-06-01T10:06:10Z'); // ticks at 10:01 .. 10:05 never ran
      await rt.tick();
      // Missed slots run now; the key says which slot each job is for.
      const times = (await slots('q')).map((t) => t.slice(11, 16));
      expect(times).toEqual(['10:01', '10:02', ...expected, '10:07', '10:08']);
    }
  });

  it('runs seconds-level schedules on time from minute ticks', async () => {
    const { rt, call, clock } = setup();
    await call('PUT', '/v1/schedules/s', { cron: '*/10 * * * * *', queue: 'fast' });
    await rt.tick();
    const queue = await rt.queue('fast');
    expect(queue.counts.scheduled).toBe(12); // every 10 s over the next two minutes
    clock.now = Date.parse('2026-06-01T10:00:40Z');
    const due = await rt.claim('fast', { limit: 10 });
    expect(due.jobs).toHaveLength(1);
  });

  it('reads fields in the schedule time zone across both 2026 Berlin DST changes', async () => {
    // Spring forward 2026-03-29 (02:00 -> 03:00): 02:30 does not exist and fires at 03:00 CEST.
    const spring = setup({}, Date.parse('2026-03-28T23:00:00Z'));
    await spring.call('PUT', '/v1/schedules/d', {
      cron: '30 2 * * *',
      tz: 'Europe/Berlin',
      queue: 'q',
    });
    spring.clock.now = Date.parse('2026-03-29T01:00:30Z');
    await spring.rt.tick();
    expect(await spring.runTimes('q')).toEqual(['2026-03-29T01:00:30.000Z']);
    const job = (await spring.rt.list('q', 'queued')).jobs[0];
    expect(job?.key).toBe(`cron:d:${Date.parse('2026-03-29T01:00:00Z')}`);
    // Fall back 2026-10-25 (03:00 -> 02:00): 02:30 happens twice and fires once, the first time.
    const fall = setup({}, Date.parse('2026-10-24T23:00:00Z'));
    await fall.call('PUT', '/v1/schedules/d', {
      cron: '30 2 * * *',
      tz: 'Europe/Berlin',
      queue: 'q',
    });
    for (const t of [
      '2026-10-25T00:29:00Z',
      '2026-10-25T00:31:00Z',
      '2026-10-25T01:29:00Z',
      '2026-10-25T01:31:00Z',
    ]) {
      fall.clock.now = Date.parse(t);
      await fall.rt.tick();
    }
    expect(await fall.runTimes('q')).toEqual(['2026-10-25T00:30:00.000Z']);
  });

  it('stores schedules defined in code on the first tick', async () => {
    const { rt, call } = setup({
      schedules: { nightly: { cron: '@daily', queue: 'q', payload: 1 } },
    });
    await rt.tick();
    expect((await call('GET', '/v1/schedules')).json.schedules).toMatchObject([
      {
        name: 'nightly',
        cron: '@daily',
        queue: 'q',
        payload: 1,
        nextRunAt: '2026-06-02T00:00:00.000Z',
      },
    ]);
    expect(() =>
      createRuntime({ driver: memoryDriver(), schedules: { x: { cron: 'nope', queue: 'q' } } }),
    ).toThrow(/cron/);
  });
});
