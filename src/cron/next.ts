/**
 * Slot search: walk the local wall clock field by field (skipping whole months, days and hours
 * that cannot match), then map each matching wall-clock time to its instant(s) in the zone.
 * See ./cron.ts for the DST rules.
 */
import type { CronSpec } from './parse.js';
import { REACH, zoneFor } from './zone.js';

/** Times accepted as `after` / `until` (epoch ms): years 1900 to 9999. */
const MIN_TIME = Date.UTC(1900, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);
/**
 * How far `nextSlot` looks. Every expression `parseCron` accepts fires at least once in 8 years
 * (29 February skips 2100), so null means "never" only for specs built by hand.
 */
export const NEXT_SLOT_HORIZON_MS = 8 * 366 * 86_400_000;

interface Tables {
  second: Int8Array;
  minute: Int8Array;
  hour: Int8Array;
  dom: Int8Array;
  month: Int8Array;
  firstMonth: number;
  /** Days from a weekday to the next allowed weekday (0 when it is allowed). */
  dowAhead: Int8Array;
  domRestricted: boolean;
  dowRestricted: boolean;
}

const compiled = new WeakMap<CronSpec, Tables>();

/** `t[i]` is the smallest allowed value >= i, or -1. */
function nextTable(values: readonly number[], max: number): Int8Array {
  const allowed = new Set(values);
  const t = new Int8Array(max + 2).fill(-1);
  for (let i = max, next = -1; i >= 0; i--) {
    if (allowed.has(i)) next = i;
    t[i] = next;
  }
  return t;
}

function tables(spec: CronSpec): Tables {
  let tb = compiled.get(spec);
  if (tb) return tb;
  const dow = new Set(spec.dayOfWeek);
  const dowAhead = new Int8Array(7);
  for (let wd = 0; wd < 7; wd++) {
    let k = 0;
    while (k < 7 && !dow.has((wd + k) % 7)) k++;
    dowAhead[wd] = k;
  }
  tb = {
    second: nextTable(spec.second, 59),
    minute: nextTable(spec.minute, 59),
    hour: nextTable(spec.hour, 23),
    dom: nextTable(spec.dayOfMonth, 31),
    month: nextTable(spec.month, 12),
    firstMonth: spec.month[0] ?? 1,
    dowAhead,
    domRestricted: spec.dayOfMonthRestricted,
    dowRestricted: spec.dayOfWeekRestricted,
  };
  compiled.set(spec, tb);
  return tb;
}

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** The first matching day >= `day` of the month (day-of-month OR day-of-week), or -1. */
function nextDay(tb: Tables, y: number, mo: number, day: number, weekday: number): number {
  if (!tb.domRestricted && !tb.dowRestricted) return day;
  let best = 99;
  if (tb.domRestricted) {
    const n = tb.dom[day]!;
    if (n >= 0) best = n;
  }
  if (tb.dowRestricted) best = Math.min(best, day + tb.dowAhead[weekday]!);
  return best <= daysInMonth(y, mo) ? best : -1;
}

/** The first wall-clock time (naive ms, whole seconds) >= `from` matching `tb`, if <= `max`. */
function nextWall(tb: Tables, from: number, max: number): number | null {
  let t = Math.ceil(from / 1000) * 1000;
  while (t <= max) {
    const d = new Date(t);
    const y = d.getUTCFullYear();
    const mo = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const nm = tb.month[mo]!;
    if (nm !== mo) {
      t = nm < 0 ? Date.UTC(y + 1, tb.firstMonth - 1, 1) : Date.UTC(y, nm - 1, 1);
      continue;
    }
    const nd = nextDay(tb, y, mo, day, d.getUTCDay());
    if (nd !== day) {
      t = nd < 0 ? Date.UTC(y, mo, 1) : Date.UTC(y, mo - 1, nd);
      continue;
    }
    const h = d.getUTCHours();
    const nh = tb.hour[h]!;
    if (nh !== h) {
      t = nh < 0 ? Date.UTC(y, mo - 1, day + 1) : Date.UTC(y, mo - 1, day, nh);
      continue;
    }
    const mi = d.getUTCMinutes();
    const nmi = tb.minute[mi]!;
    if (nmi !== mi) {
      t = nmi < 0 ? Date.UTC(y, mo - 1, day, h + 1) : Date.UTC(y, mo - 1, day, h, nmi);
      continue;
    }
    const s = d.getUTCSeconds();
    const ns = tb.second[s]!;
    if (ns !== s) {
      t = ns < 0 ? Date.UTC(y, mo - 1, day, h, mi + 1) : Date.UTC(y, mo - 1, day, h, mi, ns);
      continue;
    }
    return t;
  }
  return null;
}

function checkTime(name: string, v: number, allowInfinity: boolean): void {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`${name} must be epoch ms`);
  if (allowInfinity && v === Number.POSITIVE_INFINITY) return;
  if (v < MIN_TIME || v > MAX_TIME) {
    throw new RangeError(`${name} (${v}) must be epoch ms within the years 1900-9999`);
  }
}

/** The slots (epoch ms, ascending) of `spec` in `tz` with after < slot <= until, at most `limit`. */
export function slotsBetween(
  spec: CronSpec,
  tz: string,
  after: number,
  until: number,
  limit: number,
): number[] {
  checkTime('after', after, false);
  checkTime('until', until, true);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit (${limit}) must be a whole number >= 0`);
  }
  const zone = zoneFor(tz);
  const tb = tables(spec);
  const out: number[] = [];
  const end = Math.min(until, MAX_TIME);
  if (limit === 0 || end <= after) return out;

  // Second passes of a repeated hour (interval schedules only) come after all first passes; they
  // wait here until the scan reaches an instant later than them.
  const pending: number[] = [];
  let next = 0;
  let last = after;
  /** Emits `x` unless already covered; false once the result is complete. */
  const emit = (x: number): boolean => {
    if (x <= last) return true; // before `after`, or a skipped time collapsed onto the same instant
    if (x > end) return false;
    out.push(x);
    last = x;
    return out.length < limit;
  };

  const maxWall = end + REACH;
  let from = zone.wall(after) - zone.lookback(after);
  for (;;) {
    const wall = nextWall(tb, from, maxWall);
    if (wall === null) break;
    const r = zone.resolve(wall);
    while (next < pending.length && pending[next]! <= r.first) {
      if (!emit(pending[next++]!)) return out;
    }
    if (!emit(r.first)) return out;
    if (spec.hourInterval && !Number.isNaN(r.second)) pending.push(r.second);
    from = wall + 1000;
  }
  while (next < pending.length) {
    if (!emit(pending[next++]!)) break;
  }
  return out;
}

/** The first slot strictly after `after`, or null if none within `NEXT_SLOT_HORIZON_MS`. */
export function nextSlot(spec: CronSpec, tz: string, after: number): number | null {
  checkTime('after', after, false);
  const until = Math.min(after + NEXT_SLOT_HORIZON_MS, MAX_TIME);
  return slotsBetween(spec, tz, after, until, 1)[0] ?? null;
}
