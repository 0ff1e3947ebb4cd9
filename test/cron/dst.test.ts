import { describe, expect, it } from 'vitest';
import { type CronSpec, nextSlot, parseCron, slotsBetween } from '../../src/cron/cron.js';

const at = (iso: string) => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad date ${iso}`);
  return t;
};
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
function slots(expr: string, tz: string, from: string, to: string): string[] {
  return slotsBetween(parseCron(expr), tz, at(from), at(to), 10_000).map(iso);
}
function next(expr: string, tz: string, after: string): string | null {
  const t = nextSlot(parseCron(expr), tz, at(after));
  return t === null ? null : iso(t);
}

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

// Europe/Berlin 2026: spring forward 2026-03-29 01:00Z (02:00 CET -> 03:00 CEST, 02:xx never
// happens); fall back 2026-10-25 01:00Z (03:00 CEST -> 02:00 CET, 02:xx happens twice).
describe('Europe/Berlin, spring forward 2026-03-29', () => {
  it('30 2 * * *: the skipped 02:30 fires once, at 03:00 CEST (01:00Z)', () => {
    expect(slots('30 2 * * *', BERLIN, '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00Z', // 02:30 CET
      '2026-03-29T01:00:00Z', // 02:30 does not exist: the first instant after the gap
      '2026-03-30T00:30:00Z', // 02:30 CEST
      '2026-03-31T00:30:00Z',
    ]);
  });

  it('0 * * * *: every elapsed hour, the skipped 02:00 collapsing onto 03:00', () => {
    expect(slots('0 * * * *', BERLIN, '2026-03-28T22:30:00Z', '2026-03-29T03:00:00Z')).toEqual([
      '2026-03-28T23:00:00Z', // 00:00 CET
      '2026-03-29T00:00:00Z', // 01:00 CET
      '2026-03-29T01:00:00Z', // 02:00 (skipped) and 03:00 CEST: one firing
      '2026-03-29T02:00:00Z', // 04:00 CEST
      '2026-03-29T03:00:00Z',
    ]);
  });

  it('*/15 * * * *: 02:00, 02:15, 02:30, 02:45 collapse into one firing at 03:00 CEST', () => {
    expect(slots('*/15 * * * *', BERLIN, '2026-03-29T00:20:00Z', '2026-03-29T01:35:00Z')).toEqual([
      '2026-03-29T00:30:00Z', // 01:30 CET
      '2026-03-29T00:45:00Z', // 01:45 CET
      '2026-03-29T01:00:00Z', // 02:00-02:45 skipped + 03:00 CEST
      '2026-03-29T01:15:00Z', // 03:15 CEST
      '2026-03-29T01:30:00Z',
    ]);
  });

  it('*/15 2 * * *: the whole skipped hour fires once', () => {
    expect(slots('*/15 2 * * *', BERLIN, '2026-03-28T00:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:00:00Z',
      '2026-03-28T01:15:00Z',
      '2026-03-28T01:30:00Z',
      '2026-03-28T01:45:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T00:00:00Z',
      '2026-03-30T00:15:00Z',
      '2026-03-30T00:30:00Z',
      '2026-03-30T00:45:00Z',
    ]);
  });

  it('0 3 * * *: 03:00 CEST is the transition instant', () => {
    expect(slots('0 3 * * *', BERLIN, '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T02:00:00Z',
      '2026-03-29T01:00:00Z',
      '2026-03-30T01:00:00Z',
    ]);
  });

  it('nextSlot from inside and around the gap', () => {
    expect(next('30 2 * * *', BERLIN, '2026-03-29T00:59:59Z')).toBe('2026-03-29T01:00:00Z');
    expect(next('30 2 * * *', BERLIN, '2026-03-29T01:00:00Z')).toBe('2026-03-30T00:30:00Z');
    expect(next('*/15 * * * *', BERLIN, '2026-03-29T00:45:00Z')).toBe('2026-03-29T01:00:00Z');
    expect(next('*/15 * * * *', BERLIN, '2026-03-29T01:00:00Z')).toBe('2026-03-29T01:15:00Z');
  });

  it('per-second schedules run straight through the gap', () => {
    const t = at('2026-03-29T01:00:00Z');
    const out = slotsBetween(parseCron('* * * * * *'), BERLIN, t - 3000, t + 3000, 100);
    expect(out).toEqual([-2000, -1000, 0, 1000, 2000, 3000].map((d) => t + d));
  });
});

describe('Europe/Berlin, fall back 2026-10-25', () => {
  it('30 2 * * *: the repeated 02:30 fires once, at its first occurrence (CEST)', () => {
    expect(slots('30 2 * * *', BERLIN, '2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-24T00:30:00Z', // 02:30 CEST
      '2026-10-25T00:30:00Z', // 02:30 CEST, first of two; 01:30Z (02:30 CET) does not fire
      '2026-10-26T01:30:00Z', // 02:30 CET
    ]);
  });

  it('0 * * * *: fires at both 02:00s, every elapsed hour', () => {
    expect(slots('0 * * * *', BERLIN, '2026-10-24T22:30:00Z', '2026-10-25T03:00:00Z')).toEqual([
      '2026-10-24T23:00:00Z', // 01:00 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T01:00:00Z', // 02:00 CET
      '2026-10-25T02:00:00Z', // 03:00 CET
      '2026-10-25T03:00:00Z',
    ]);
  });

  it('*/15 * * * *: every 15 elapsed minutes through the repeated hour', () => {
    const got = slots('*/15 * * * *', BERLIN, '2026-10-24T23:50:00Z', '2026-10-25T02:10:00Z');
    const want: string[] = [];
    for (let t = at('2026-10-25T00:00:00Z'); t <= at('2026-10-25T02:00:00Z'); t += 900_000) {
      want.push(iso(t));
    }
    expect(got).toEqual(want);
  });

  it('specific hours fire once: 0 2, */30 2, 0 3', () => {
    expect(slots('0 2 * * *', BERLIN, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-25T00:00:00Z',
    ]);
    expect(slots('*/30 2 * * *', BERLIN, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z')).toEqual([
      '2026-10-25T00:00:00Z',
      '2026-10-25T00:30:00Z',
    ]);
    expect(slots('0 3 * * *', BERLIN, '2026-10-23T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-24T01:00:00Z', // 03:00 CEST
      '2026-10-25T02:00:00Z', // 03:00 CET (03:00 CEST never shows: the clock goes back at 03:00)
      '2026-10-26T02:00:00Z',
    ]);
  });

  it('a step in the hour field is an interval: 0 */2 fires at both 02:00s', () => {
    expect(slots('0 */2 * * *', BERLIN, '2026-10-24T21:00:00Z', '2026-10-25T03:00:00Z')).toEqual([
      '2026-10-24T22:00:00Z', // 00:00 CEST
      '2026-10-25T00:00:00Z', // 02:00 CEST
      '2026-10-25T01:00:00Z', // 02:00 CET
      '2026-10-25T03:00:00Z', // 04:00 CET
    ]);
  });

  it('nextSlot from inside the repeated hour', () => {
    // First pass (CEST): both kinds of schedule still have 02:30 ahead.
    expect(next('30 2 * * *', BERLIN, '2026-10-25T00:10:00Z')).toBe('2026-10-25T00:30:00Z');
    expect(next('30 * * * *', BERLIN, '2026-10-25T00:10:00Z')).toBe('2026-10-25T00:30:00Z');
    // Second pass (CET): the specific-hour schedule fired already; the hourly one fires again.
    expect(next('30 2 * * *', BERLIN, '2026-10-25T01:10:00Z')).toBe('2026-10-26T01:30:00Z');
    expect(next('30 * * * *', BERLIN, '2026-10-25T01:10:00Z')).toBe('2026-10-25T01:30:00Z');
    // Late in the first pass, an interval schedule's next slot is back in the repeated hour.
    expect(next('15 * * * *', BERLIN, '2026-10-25T00:50:00Z')).toBe('2026-10-25T01:15:00Z');
    expect(next('*/15 * * * *', BERLIN, '2026-10-25T00:50:00Z')).toBe('2026-10-25T01:00:00Z');
    expect(next('15 2 * * *', BERLIN, '2026-10-25T00:50:00Z')).toBe('2026-10-26T01:15:00Z');
  });

  it('per-second schedules run straight through the repeat', () => {
    const t = at('2026-10-25T01:00:00Z');
    const out = slotsBetween(parseCron('* * * * * *'), BERLIN, t - 3000, t + 3000, 100);
    expect(out).toEqual([-2000, -1000, 0, 1000, 2000, 3000].map((d) => t + d));
  });
});

// America/New_York 2026: spring forward 2026-03-08 07:00Z (02:00 EST -> 03:00 EDT); fall back
// 2026-11-01 06:00Z (02:00 EDT -> 01:00 EST, 01:xx happens twice).
describe('America/New_York 2026', () => {
  it('30 2 * * *: skipped on 03-08 so fires at 03:00 EDT', () => {
    expect(slots('30 2 * * *', NEW_YORK, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T07:30:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-09T06:30:00Z',
    ]);
    expect(slots('30 2 * * *', NEW_YORK, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T06:30:00Z',
      '2026-11-01T07:30:00Z',
      '2026-11-02T07:30:00Z',
    ]);
  });

  it('30 1 * * *: repeated on 11-01, fires at the first (EDT) occurrence only', () => {
    expect(slots('30 1 * * *', NEW_YORK, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:30:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
  });

  it('30 * * * *: both 01:30s in November; the skipped 02:30 fires at 03:00 EDT in March', () => {
    expect(slots('30 * * * *', NEW_YORK, '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z')).toEqual([
      '2026-11-01T04:30:00Z', // 00:30 EDT
      '2026-11-01T05:30:00Z', // 01:30 EDT
      '2026-11-01T06:30:00Z', // 01:30 EST
      '2026-11-01T07:30:00Z', // 02:30 EST
    ]);
    expect(slots('30 * * * *', NEW_YORK, '2026-03-08T06:00:00Z', '2026-03-08T08:00:00Z')).toEqual([
      '2026-03-08T06:30:00Z', // 01:30 EST
      '2026-03-08T07:00:00Z', // 02:30 skipped: 03:00 EDT
      '2026-03-08T07:30:00Z', // 03:30 EDT
    ]);
  });

  it('a weekday schedule: 0 9 * * MON-FRI keeps 09:00 local across both changes', () => {
    expect(
      slots('0 9 * * MON-FRI', NEW_YORK, '2026-03-05T00:00:00Z', '2026-03-11T00:00:00Z'),
    ).toEqual([
      '2026-03-05T14:00:00Z', // Thu, EST
      '2026-03-06T14:00:00Z', // Fri, EST
      '2026-03-09T13:00:00Z', // Mon, EDT
      '2026-03-10T13:00:00Z',
    ]);
    expect(
      slots('0 9 * * MON-FRI', NEW_YORK, '2026-10-29T00:00:00Z', '2026-11-04T00:00:00Z'),
    ).toEqual([
      '2026-10-29T13:00:00Z',
      '2026-10-30T13:00:00Z',
      '2026-11-02T14:00:00Z',
      '2026-11-03T14:00:00Z',
    ]);
  });
});

describe('other zones', () => {
  it('a midnight transition (America/Santiago): 0 0 * * * fires at 01:00 on the day it is skipped', () => {
    // Chile: 2026-09-06 00:00 -04 becomes 01:00 -03 (04:00Z).
    expect(
      slots('0 0 * * *', 'America/Santiago', '2026-09-04T12:00:00Z', '2026-09-07T12:00:00Z'),
    ).toEqual(['2026-09-05T04:00:00Z', '2026-09-06T04:00:00Z', '2026-09-07T03:00:00Z']);
  });

  it('a 30-minute shift (Australia/Lord_Howe): 01:30-01:59 repeats on 2026-04-05', () => {
    // 02:00 +11 (15:00Z Apr 4) becomes 01:30 +10:30.
    expect(
      slots('45 1 * * *', 'Australia/Lord_Howe', '2026-04-03T12:00:00Z', '2026-04-05T12:00:00Z'),
    ).toEqual([
      '2026-04-03T14:45:00Z',
      '2026-04-04T14:45:00Z', // first 01:45 (+11); 15:15Z (+10:30) does not fire
    ]);
    expect(
      slots('45 * * * *', 'Australia/Lord_Howe', '2026-04-04T13:00:00Z', '2026-04-04T17:00:00Z'),
    ).toEqual([
      '2026-04-04T13:45:00Z',
      '2026-04-04T14:45:00Z',
      '2026-04-04T15:15:00Z',
      '2026-04-04T16:15:00Z',
    ]);
  });
});

describe('a whole skipped day (Pacific/Apia, 2011-12-30 never happened)', () => {
  it('every slot of the missing day fires once, at the jump (10:00Z = 00:00 on the 31st)', () => {
    expect(
      slots('0 12 * * *', 'Pacific/Apia', '2011-12-28T00:00:00Z', '2011-12-31T00:00:00Z'),
    ).toEqual([
      '2011-12-28T22:00:00Z', // 12:00 -10
      '2011-12-29T22:00:00Z',
      '2011-12-30T10:00:00Z', // 12:00 on the 30th does not exist
      '2011-12-30T22:00:00Z', // 12:00 +14 on the 31st
    ]);
    expect(
      slots('0 0 * * *', 'Pacific/Apia', '2011-12-29T00:00:00Z', '2011-12-31T12:00:00Z'),
    ).toEqual([
      '2011-12-29T10:00:00Z',
      '2011-12-30T10:00:00Z', // the 30th's midnight and the 31st's, collapsed
      '2011-12-31T10:00:00Z',
    ]);
  });
});

// Cross-check against a brute-force model of the documented rules: walk every UTC minute, read
// the wall clock with formatToParts (not the engine's code path), fire matching wall times, send
// skipped wall times to the first minute after the gap, and let specific-hour schedules fire a
// repeated wall time only the first time it is seen.
describe('brute-force cross-check around every 2026 transition', () => {
  const fmt = new Map<string, Intl.DateTimeFormat>();
  const wall = (tz: string, t: number) => {
    let f = fmt.get(tz);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      fmt.set(tz, f);
    }
    const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  };
  const matches = (s: CronSpec, w: number) => {
    const d = new Date(w);
    const dom = s.dayOfMonth.includes(d.getUTCDate());
    const dow = s.dayOfWeek.includes(d.getUTCDay());
    const day =
      s.dayOfMonthRestricted && s.dayOfWeekRestricted
        ? dom || dow
        : (!s.dayOfMonthRestricted || dom) && (!s.dayOfWeekRestricted || dow);
    return (
      day &&
      s.month.includes(d.getUTCMonth() + 1) &&
      s.hour.includes(d.getUTCHours()) &&
      s.minute.includes(d.getUTCMinutes()) &&
      s.second.includes(d.getUTCSeconds())
    );
  };
  function transitions(tz: string): number[] {
    const out: number[] = [];
    const off = (t: number) => wall(tz, t) - t;
    for (let t = at('2026-01-01T00:00:00Z'); t < at('2027-01-01T00:00:00Z'); t += 86_400_000) {
      if (off(t) === off(t + 86_400_000)) continue;
      let lo = t;
      let hi = t + 86_400_000;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (off(mid) === off(t)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    return out;
  }

  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'America/Santiago',
    'America/Havana',
    'Africa/Casablanca',
    'Europe/London',
  ];
  const exprs = [
    '30 2 * * *',
    '0 * * * *',
    '*/15 * * * *',
    '0 3 * * *',
    '0 2 * * *',
    '0 0 * * *',
    '30 1 * * *',
    '45 */2 * * *',
    '0,30 1-3 * * *',
    '*/7 0-3 * * *',
    '30 * * * *',
    '0 0 * * SUN',
    '59 23 * * *',
    '*/10 * * * *',
    '15 0-4/2 1,5,25-31 * SAT',
  ];

  for (const tz of zones) {
    it(tz, () => {
      const list = transitions(tz);
      expect(list.length, `${tz} changes offset in 2026`).toBeGreaterThanOrEqual(2);
      for (const tr of list) {
        const from = tr - 2 * 86_400_000;
        const to = tr + 2 * 86_400_000;
        const lead = from - 2 * 86_400_000;
        const walls: number[] = [];
        for (let t = lead; t <= to; t += 60_000) walls.push(wall(tz, t));
        for (const expr of exprs) {
          const s = parseCron(expr);
          const want: number[] = [];
          const seen = new Set<number>();
          for (let i = 1; i < walls.length; i++) {
            const t = lead + i * 60_000;
            const w = walls[i]!;
            let fire = false;
            for (let g = walls[i - 1]! + 60_000; g < w; g += 60_000) fire ||= matches(s, g);
            if (matches(s, w)) {
              if (s.hourInterval || !seen.has(w)) fire = true;
              seen.add(w);
            }
            if (fire && t > from) want.push(t);
          }
          const label = `${tz} ${expr} around ${iso(tr)}`;
          expect(slotsBetween(s, tz, from, to, 100_000).map(iso), label).toEqual(want.map(iso));
          // nextSlot from many starting points, including inside gaps and repeats.
          for (let a = from; a < to - 3 * 3_600_000; a += 37 * 60_000 + 13_000) {
            const expected = want.find((t) => t > a);
            if (expected === undefined) continue;
            expect(nextSlot(s, tz, a), `${label} after ${iso(a)}`).toBe(expected);
          }
          // Densely within 3 hours of the change, both entry points.
          for (let a = tr - 3 * 3_600_000; a <= tr + 3 * 3_600_000; a += 5 * 60_000 + 1_000) {
            const window = want.filter((t) => t > a && t <= a + 6 * 3_600_000);
            expect(
              slotsBetween(s, tz, a, a + 6 * 3_600_000, 1000),
              `${label} from ${iso(a)}`,
            ).toEqual(window);
            const first = want.find((t) => t > a);
            if (first !== undefined)
              expect(nextSlot(s, tz, a), `${label} after ${iso(a)}`).toBe(first);
          }
        }
      }
    });
  }
});
