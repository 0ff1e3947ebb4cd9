/**
 * Schedules inside workerd: the RPC Worker's `scheduled` handler runs the runtime's tick with the
 * event's scheduled time as its clock, over the Upstash driver on the real Redis (so concurrent
 * ticks really interleave), and time zones come from workerd's own Intl data.
 */
import { Redis } from '@upstash/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeSchedule, normalizeSchedule, type ScheduleInput } from '../../src/cron/schedules.js';
import type { Driver } from '../../src/drivers/types.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';
import {
  startWorkerdDriverHost,
  type WorkerdDriverHost,
  warmUp,
} from '../support/workerd-driver.js';

let host: WorkerdDriverHost;
let server: UpstashServer;
let prefix = '';
let driver: Driver;

beforeAll(async () => {
  server = await startUpstashServer();
  host = await startWorkerdDriverHost({
    DRIVER: 'upstash',
    UPSTASH_REDIS_REST_URL: server.url,
    UPSTASH_REDIS_REST_TOKEN: server.token,
  });
}, 60_000);
afterAll(async () => {
  await host?.close();
  await server?.close();
});
afterEach(async () => {
  const redis = new Redis({ url: server.url, token: server.token });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
});

async function fresh(name: string, def: ScheduleInput, createdAt: number): Promise<void> {
  prefix = `{edgeqcron-${Math.random().toString(36).slice(2, 10)}}`;
  driver = await host.reset({ EDGEQ_REDIS_PREFIX: prefix });
  await warmUp(driver);
  const value = encodeSchedule(normalizeSchedule(name, def));
  await driver.putConfig({ ns: 'default', now: createdAt, kind: 'schedule', name, value });
}

/** Fires the Worker's scheduled handler at `iso`, `times` times at once. */
async function fire(iso: string, times = 1): Promise<void> {
  const worker = await host.mf.getWorker();
  const scheduledTime = new Date(iso);
  const results = await Promise.all(
    Array.from({ length: times }, () => worker.scheduled({ cron: '* * * * *', scheduledTime })),
  );
  for (const r of results) expect(r.outcome).toBe('ok');
}

/** The slot of every job in the queue, from its `cron:<name>:<slot>` key, sorted. */
async function slots(queue: string, now: number): Promise<string[]> {
  const out: string[] = [];
  for (const state of ['scheduled', 'queued'] as const) {
    const page = await driver.list({ ns: 'default', now, queue, state, limit: 1_000 });
    for (const j of page.jobs)
      out.push(new Date(Number(j.key?.split(':')[2])).toISOString().slice(0, 19));
  }
  return out.sort();
}

describe('schedules inside workerd', () => {
  it('five concurrent scheduled() events for one time give exactly one job per slot', async () => {
    const t = Date.parse('2026-06-01T10:00:20Z');
    await fresh('every-20s', { cron: '*/20 * * * * *', queue: 'q' }, t - 1_000);
    await fire('2026-06-01T10:00:20Z', 5);
    const got = await slots('q', t);
    expect(got).toEqual([
      '2026-06-01T10:00:20', // due now
      '2026-06-01T10:00:40',
      '2026-06-01T10:01:00',
      '2026-06-01T10:01:20',
      '2026-06-01T10:01:40',
      '2026-06-01T10:02:00',
      '2026-06-01T10:02:20',
    ]);
    await fire('2026-06-01T10:00:20Z', 5);
    expect(await slots('q', t)).toEqual(got);
  });

  it('three skipped ticks, then one tick: only the latest missed slot (default catch-up)', async () => {
    const t = Date.parse('2026-06-01T10:00:00Z');
    await fresh('minutely', { cron: '* * * * *', queue: 'q' }, t - 1_000);
    await fire('2026-06-01T10:00:00Z'); // enqueues 10:00 (due) and the next two minutes
    // The cron events at 10:01 .. 10:05 were lost; the next one comes at 10:06.
    await fire('2026-06-01T10:06:00Z');
    expect(
      (await slots('q', Date.parse('2026-06-01T10:06:00Z'))).map((s) => s.slice(11, 16)),
    ).toEqual(['10:00', '10:01', '10:02', '10:06', '10:07', '10:08']);
  });

  it('Europe/Berlin across both 2026 DST changes fires as documented', async () => {
    // Spring forward: 02:30 does not exist on 2026-03-29 and fires once, at 03:00 CEST (01:00Z).
    await fresh(
      'nightly',
      { cron: '30 2 * * *', tz: 'Europe/Berlin', queue: 'q' },
      Date.parse('2026-03-28T22:00:00Z'),
    );
    for (const t of [
      '2026-03-29T00:00:00Z',
      '2026-03-29T00:30:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-29T01:30:00Z',
    ])
      await fire(t);
    expect(await slots('q', Date.parse('2026-03-29T02:00:00Z'))).toEqual(['2026-03-29T01:00:00']);

    // Fall back: 02:30 happens twice on 2026-10-25 and fires once, the first time (00:30Z).
    await fresh(
      'nightly',
      { cron: '30 2 * * *', tz: 'Europe/Berlin', queue: 'q' },
      Date.parse('2026-10-24T22:00:00Z'),
    );
    for (const t of [
      '2026-10-25T00:00:00Z',
      '2026-10-25T00:31:00Z',
      '2026-10-25T01:00:00Z',
      '2026-10-25T01:31:00Z',
    ])
      await fire(t);
    expect(await slots('q', Date.parse('2026-10-25T02:00:00Z'))).toEqual(['2026-10-25T00:30:00']);

    // An hourly schedule fires every 60 minutes straight through the repeated hour: 02:00 CEST
    // (00:00Z) and 02:00 CET (01:00Z) both fire; 02:00Z is the lookahead slot (03:00 CET).
    await fresh(
      'hourly',
      { cron: '0 * * * *', tz: 'Europe/Berlin', queue: 'h' },
      Date.parse('2026-10-24T23:30:00Z'),
    );
    for (const t of ['2026-10-24T23:59:00Z', '2026-10-25T01:59:00Z']) await fire(t);
    expect(await slots('h', Date.parse('2026-10-25T02:00:00Z'))).toEqual([
      '2026-10-25T00:00:00',
      '2026-10-25T01:00:00',
      '2026-10-25T02:00:00',
    ]);
  });
});
