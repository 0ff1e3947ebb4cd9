import { describe, expect, it } from 'vitest';
import {
  assertTimeZone,
  CronError,
  type CronSpec,
  NEXT_SLOT_HORIZON_MS,
  nextSlot,
  parseCron,
  slotsBetween,
} from '../../src/cron/cron.js';

const at = (iso: string) => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad date ${iso}`);
  return t;
};
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** Slots of `expr` in `tz` with from < slot <= to, as ISO strings. */
function slots(expr: string, tz: string, from: string, to: string, limit = 10_000): string[] {
  return slotsBetween(parseCron(expr), tz, at(from), at(to), limit).map(iso);
}
function next(expr: string, tz: string, after: string): string | null {
  const t = nextSlot(parseCron(expr), tz, at(after));
  return t === null ? null : iso(t);
}

describe('matching (UTC)', () => {
  it('fires every minute for * * * * *', () => {
    expect(slots('* * * * *', 'UTC', '2026-05-01T10:00:00Z', '2026-05-01T10:03:00Z')).toEqual([
      '2026-05-01T10:01:00Z',
      '2026-05-01T10:02:00Z',
      '2026-05-01T10:03:00Z',
    ]);
  });

  it('applies steps, lists and ranges', () => {
    expect(slots('*/20 * * * *', 'UTC', '2026-05-01T10:00:00Z', '2026-05-01T11:00:00Z')).toEqual([
      '2026-05-01T10:20:00Z',
      '2026-05-01T10:40:00Z',
      '2026-05-01T11:00:00Z',
    ]);
    expect(slots('5,50 8-9 * * *', 'UTC', '2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z')).toEqual([
      '2026-05-01T08:05:00Z',
      '2026-05-01T08:50:00Z',
      '2026-05-01T09:05:00Z',
      '2026-05-01T09:50:00Z',
    ]);
    expect(slots('0 0 1 */4 *', 'UTC', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-05-01T00:00:00Z',
      '2026-09-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
    ]);
  });

  it('matches month names', () => {
    expect(slots('0 0 1 FEB,aug *', 'UTC', '2026-01-01T00:00:00Z', '2027-12-31T00:00:00Z')).toEqual(
      [
        '2026-02-01T00:00:00Z',
        '2026-08-01T00:00:00Z',
        '2027-02-01T00:00:00Z',
        '2027-08-01T00:00:00Z',
      ],
    );
  });

  it('day-of-week alone: Fridays', () => {
    expect(slots('0 0 * * FRI', 'UTC', '2026-04-01T00:00:00Z', '2026-04-30T00:00:00Z')).toEqual([
      '2026-04-03T00:00:00Z',
      '2026-04-10T00:00:00Z',
      '2026-04-17T00:00:00Z',
      '2026-04-24T00:00:00Z',
    ]);
  });

  it('day-of-month alone: the 13th', () => {
    expect(slots('0 0 13 * *', 'UTC', '2026-04-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-04-13T00:00:00Z',
      '2026-05-13T00:00:00Z',
    ]);
  });

  it('both restricted: a day matches when EITHER matches (Vixie)', () => {
    // April 2026: Fridays 3, 10, 17, 24; the 13th is a Monday.
    expect(slots('0 0 13 * FRI', 'UTC', '2026-04-01T00:00:00Z', '2026-04-30T00:00:00Z')).toEqual([
      '2026-04-03T00:00:00Z',
      '2026-04-10T00:00:00Z',
      '2026-04-13T00:00:00Z',
      '2026-04-17T00:00:00Z',
      '2026-04-24T00:00:00Z',
    ]);
    // March 2026: the 1st is a Sunday; Mondays 2, 9, 16, 23, 30.
    expect(slots('0 0 1 * MON', 'UTC', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-01T00:00:00Z',
      '2026-03-02T00:00:00Z',
      '2026-03-09T00:00:00Z',
      '2026-03-16T00:00:00Z',
      '2026-03-23T00:00:00Z',
      '2026-03-30T00:00:00Z',
    ]);
  });

  it('an unrestricted day-of-month (*/1) does not widen day-of-week', () => {
    expect(slots('0 0 */1 * FRI', 'UTC', '2026-04-01T00:00:00Z', '2026-04-12T00:00:00Z')).toEqual([
      '2026-04-03T00:00:00Z',
      '2026-04-10T00:00:00Z',
    ]);
  });

  it('the OR rule honours the month field', () => {
    // 31st or Sunday, in February only: the Sundays (Feb has no 31st).
    expect(slots('0 0 31 2 SUN', 'UTC', '2026-01-01T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-02-01T00:00:00Z',
      '2026-02-08T00:00:00Z',
      '2026-02-15T00:00:00Z',
      '2026-02-22T00:00:00Z',
    ]);
  });

  it('0 and 7 are both Sunday', () => {
    const expected = ['2026-03-01T12:00:00Z', '2026-03-08T12:00:00Z'];
    for (const dow of ['0', '7', 'SUN', 'sun', '7-7']) {
      expect(
        slots(`0 12 * * ${dow}`, 'UTC', '2026-02-28T00:00:00Z', '2026-03-10T00:00:00Z'),
      ).toEqual(expected);
    }
    expect(slots('0 12 * * 6-7', 'UTC', '2026-02-27T00:00:00Z', '2026-03-03T00:00:00Z')).toEqual([
      '2026-02-28T12:00:00Z',
      '2026-03-01T12:00:00Z',
    ]);
  });

  it('skips months without the day', () => {
    expect(slots('0 0 31 * *', 'UTC', '2026-01-01T00:00:00Z', '2026-08-01T00:00:00Z')).toEqual([
      '2026-01-31T00:00:00Z',
      '2026-03-31T00:00:00Z',
      '2026-05-31T00:00:00Z',
      '2026-07-31T00:00:00Z',
    ]);
  });

  it('finds 29 February, even across 2100', () => {
    expect(next('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00Z');
    expect(next('0 0 29 2 *', 'UTC', '2096-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00Z');
  });

  it('expands macros', () => {
    const after = '2026-06-15T10:20:30Z';
    expect(next('@yearly', 'UTC', after)).toBe('2027-01-01T00:00:00Z');
    expect(next('@annually', 'UTC', after)).toBe('2027-01-01T00:00:00Z');
    expect(next('@monthly', 'UTC', after)).toBe('2026-07-01T00:00:00Z');
    expect(next('@weekly', 'UTC', after)).toBe('2026-06-21T00:00:00Z'); // a Sunday
    expect(next('@daily', 'UTC', after)).toBe('2026-06-16T00:00:00Z');
    expect(next('@midnight', 'UTC', after)).toBe('2026-06-16T00:00:00Z');
    expect(next('@hourly', 'UTC', after)).toBe('2026-06-15T11:00:00Z');
  });
});

describe('slotsBetween / nextSlot contract', () => {
  const spec = parseCron('*/15 * * * *');
  const t0 = at('2026-05-01T10:00:00Z');

  it('is exclusive of after, inclusive of until', () => {
    expect(slotsBetween(spec, 'UTC', t0, t0 + 30 * 60_000, 100).map(iso)).toEqual([
      '2026-05-01T10:15:00Z',
      '2026-05-01T10:30:00Z',
    ]);
  });

  it('returns at most limit slots, ascending, the earliest first', () => {
    const out = slotsBetween(spec, 'UTC', t0, t0 + 86_400_000, 5);
    expect(out.map(iso)).toEqual([
      '2026-05-01T10:15:00Z',
      '2026-05-01T10:30:00Z',
      '2026-05-01T10:45:00Z',
      '2026-05-01T11:00:00Z',
      '2026-05-01T11:15:00Z',
    ]);
    const all = slotsBetween(spec, 'Europe/Berlin', t0, t0 + 7 * 86_400_000, 10_000);
    expect(all).toHaveLength(7 * 96);
    expect(all.every((t, i) => i === 0 || t > all[i - 1]!)).toBe(true);
  });

  it('returns nothing for limit 0 or an empty window', () => {
    expect(slotsBetween(spec, 'UTC', t0, t0 + 3_600_000, 0)).toEqual([]);
    expect(slotsBetween(spec, 'UTC', t0, t0, 10)).toEqual([]);
    expect(slotsBetween(spec, 'UTC', t0, t0 - 1, 10)).toEqual([]);
    expect(slotsBetween(spec, 'UTC', t0, t0 + 60_000, 10)).toEqual([]);
  });

  it('accepts an open-ended until', () => {
    expect(slotsBetween(spec, 'UTC', t0, Number.POSITIVE_INFINITY, 2).map(iso)).toEqual([
      '2026-05-01T10:15:00Z',
      '2026-05-01T10:30:00Z',
    ]);
  });

  it('rejects bad numbers', () => {
    expect(() => slotsBetween(spec, 'UTC', Number.NaN, t0, 1)).toThrow(RangeError);
    expect(() => slotsBetween(spec, 'UTC', t0, t0 + 1, -1)).toThrow(RangeError);
    expect(() => slotsBetween(spec, 'UTC', t0, t0 + 1, 1.5)).toThrow(RangeError);
    expect(() => slotsBetween(spec, 'UTC', t0, t0 + 1, Number.POSITIVE_INFINITY)).toThrow(
      RangeError,
    );
    expect(() => nextSlot(spec, 'UTC', Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => nextSlot(spec, 'UTC', -1e16)).toThrow(RangeError);
  });

  it('nextSlot is strictly after, also from inside a second', () => {
    expect(iso(nextSlot(spec, 'UTC', t0)!)).toBe('2026-05-01T10:15:00Z');
    expect(iso(nextSlot(spec, 'UTC', t0 - 1)!)).toBe('2026-05-01T10:00:00Z');
    expect(iso(nextSlot(spec, 'UTC', t0 + 1)!)).toBe('2026-05-01T10:15:00Z');
    const everySecond = parseCron('* * * * * *');
    expect(nextSlot(everySecond, 'UTC', t0 + 500)).toBe(t0 + 1000);
    expect(nextSlot(everySecond, 'Europe/Berlin', t0 + 999)).toBe(t0 + 1000);
  });

  it('nextSlot agrees with slotsBetween', () => {
    const s = parseCron('7 */5 * * 1-5');
    let t = at('2026-01-01T00:00:00Z');
    const chain: number[] = [];
    for (let i = 0; i < 50; i++) {
      t = nextSlot(s, 'America/New_York', t)!;
      chain.push(t);
    }
    expect(slotsBetween(s, 'America/New_York', at('2026-01-01T00:00:00Z'), t, 50)).toEqual(chain);
  });

  it('nextSlot returns null when nothing fires within the horizon', () => {
    // parseCron rejects never-firing expressions; a hand-built spec can still be one.
    const never: CronSpec = { ...parseCron('0 0 29 2 *'), dayOfMonth: [30] };
    expect(nextSlot(never, 'UTC', t0)).toBeNull();
    expect(NEXT_SLOT_HORIZON_MS).toBeGreaterThanOrEqual(5 * 365 * 86_400_000);
  });
});

describe('seconds', () => {
  it('a per-second schedule gives 60 slots in 60 s', () => {
    const t0 = at('2026-05-01T10:00:00Z');
    for (const tz of ['UTC', 'Europe/Berlin']) {
      const out = slotsBetween(parseCron('* * * * * *'), tz, t0, t0 + 60_000, 1000);
      expect(out).toHaveLength(60);
      expect(out[0]).toBe(t0 + 1000);
      expect(out[59]).toBe(t0 + 60_000);
    }
  });

  it('steps and lists in the seconds field', () => {
    expect(slots('*/20 * * * * *', 'UTC', '2026-05-01T10:00:00Z', '2026-05-01T10:01:00Z')).toEqual([
      '2026-05-01T10:00:20Z',
      '2026-05-01T10:00:40Z',
      '2026-05-01T10:01:00Z',
    ]);
    expect(slots('30 0 12 * * *', 'UTC', '2026-05-01T00:00:00Z', '2026-05-03T00:00:00Z')).toEqual([
      '2026-05-01T12:00:30Z',
      '2026-05-02T12:00:30Z',
    ]);
    expect(slots('15,45 * * * * *', 'UTC', '2026-05-01T10:00:00Z', '2026-05-01T10:01:00Z')).toEqual(
      ['2026-05-01T10:00:15Z', '2026-05-01T10:00:45Z'],
    );
  });

  it('without a seconds field, slots are on second 0', () => {
    const out = slotsBetween(
      parseCron('* * * * *'),
      'Asia/Kolkata',
      1_777_777_777_777,
      1_777_787_777_777,
      100,
    );
    expect(out.length).toBeGreaterThan(100 - 1);
    expect(out.every((t) => t % 60_000 === 0)).toBe(true);
  });
});

describe('time zones', () => {
  it('matches the local wall clock', () => {
    // India: UTC+05:30, no DST.
    expect(
      slots('0 9 * * *', 'Asia/Kolkata', '2026-05-01T00:00:00Z', '2026-05-03T00:00:00Z'),
    ).toEqual(['2026-05-01T03:30:00Z', '2026-05-02T03:30:00Z']);
    // Los Angeles in summer: UTC-7.
    expect(next('0 9 * * *', 'America/Los_Angeles', '2026-07-01T00:00:00Z')).toBe(
      '2026-07-01T16:00:00Z',
    );
    // Nepal: UTC+05:45.
    expect(next('0 0 * * *', 'Asia/Kathmandu', '2026-07-01T00:00:00Z')).toBe(
      '2026-07-01T18:15:00Z',
    );
  });

  it('evaluates the day, month and weekday locally', () => {
    // Midnight on the 1st in Tokyo (UTC+9) is 15:00 UTC on the last day of the previous month.
    expect(
      slots('0 0 1 * *', 'Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'),
    ).toEqual(['2026-01-31T15:00:00Z', '2026-02-28T15:00:00Z', '2026-03-31T15:00:00Z']);
    // Monday 01:00 in Auckland (NZST, UTC+12 in July) is Sunday 13:00 UTC.
    expect(next('0 1 * * MON', 'Pacific/Auckland', '2026-07-01T00:00:00Z')).toBe(
      '2026-07-05T13:00:00Z',
    );
    // New Year in Honolulu (UTC-10).
    expect(next('@yearly', 'Pacific/Honolulu', '2026-06-01T00:00:00Z')).toBe(
      '2027-01-01T10:00:00Z',
    );
  });

  it('accepts zone names in any case and UTC aliases', () => {
    expect(next('0 9 * * *', 'europe/berlin', '2026-07-01T00:00:00Z')).toBe('2026-07-01T07:00:00Z');
    for (const tz of ['UTC', 'utc', 'Etc/UTC', 'GMT', 'Etc/GMT']) {
      expect(next('0 9 * * *', tz, '2026-07-01T00:00:00Z')).toBe('2026-07-01T09:00:00Z');
    }
    // Etc/GMT-3 is UTC+3 (POSIX signs are inverted).
    expect(next('0 9 * * *', 'Etc/GMT-3', '2026-07-01T00:00:00Z')).toBe('2026-07-01T06:00:00Z');
  });

  it('assertTimeZone accepts IANA names and rejects unknown ones', () => {
    expect(() => assertTimeZone('UTC')).not.toThrow();
    expect(() => assertTimeZone('Europe/Berlin')).not.toThrow();
    expect(() => assertTimeZone('America/Argentina/Buenos_Aires')).not.toThrow();
    for (const bad of ['Mars/Olympus_Mons', 'Europe/Berlinn', 'CEST+2', '']) {
      let err: unknown;
      try {
        assertTimeZone(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(CronError);
      expect((err as CronError).field).toBe('timezone');
    }
    try {
      assertTimeZone('Mars/Olympus_Mons');
    } catch (e) {
      expect((e as Error).message).toMatch(
        /Unknown time zone "Mars\/Olympus_Mons": use an IANA name/,
      );
    }
  });

  it('slotsBetween and nextSlot reject unknown zones', () => {
    const s = parseCron('* * * * *');
    expect(() => slotsBetween(s, 'Nowhere/Town', 0, 60_000, 1)).toThrow(CronError);
    expect(() => nextSlot(s, 'Nowhere/Town', 0)).toThrow(/Unknown time zone "Nowhere\/Town"/);
  });
});

describe('performance', () => {
  const ms = (fn: () => void, runs = 1) => {
    const start = performance.now();
    for (let i = 0; i < runs; i++) fn();
    return (performance.now() - start) / runs;
  };

  it('finds a yearly next slot in well under 5 ms', () => {
    const yearly = parseCron('@yearly');
    const feb29 = parseCron('0 12 29 2 *');
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York']) {
      nextSlot(yearly, tz, at('2026-01-02T00:00:00Z')); // warm up the formatter
      let t = at('2026-01-02T00:00:00Z');
      const avg = ms(() => {
        t += 86_400_000 * 7;
        nextSlot(yearly, tz, t);
      }, 200);
      expect(avg, tz).toBeLessThan(5);
      expect(
        ms(() => nextSlot(feb29, tz, at('2096-03-01T00:00:00Z')), 20),
        tz,
      ).toBeLessThan(5);
    }
  });

  it('skips over long spans without scanning', () => {
    // A 1-second window once a year: found without walking seconds.
    const s = parseCron('59 59 23 31 12 *');
    expect(ms(() => nextSlot(s, 'Europe/Berlin', at('2026-01-01T00:00:00Z')), 20)).toBeLessThan(5);
    expect(iso(nextSlot(s, 'Europe/Berlin', at('2026-01-01T00:00:00Z'))!)).toBe(
      '2026-12-31T22:59:59Z',
    );
    // Per-second schedule over ten years with a small limit stops at the limit.
    const every = parseCron('* * * * * *');
    expect(
      ms(() =>
        slotsBetween(
          every,
          'Europe/Berlin',
          at('2026-01-01T00:00:00Z'),
          at('2036-01-01T00:00:00Z'),
          10,
        ),
      ),
    ).toBeLessThan(20);
  });

  it('dense schedules in a DST zone stay cheap', () => {
    const t0 = at('2026-03-01T00:00:00Z');
    let n = 0;
    const took = ms(() => {
      n = slotsBetween(
        parseCron('* * * * *'),
        'Europe/Berlin',
        t0,
        t0 + 31 * 86_400_000,
        100_000,
      ).length;
    });
    // Every elapsed minute of March 2026: the skipped local hour collapses onto 03:00 CEST.
    expect(n).toBe(31 * 1440);
    expect(took).toBeLessThan(1000);
    const sixty = ms(
      () => slotsBetween(parseCron('* * * * * *'), 'Europe/Berlin', t0, t0 + 60_000, 100),
      50,
    );
    expect(sixty).toBeLessThan(5);
  });
});
