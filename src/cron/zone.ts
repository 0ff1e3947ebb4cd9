/**
 * Time zones through `Intl` only (runs in Workers): the local wall clock of an instant, and the
 * instant(s) of a local wall-clock time. Wall-clock times are "naive" epoch ms: the local digits
 * read as if they were UTC (`Date.UTC(y, m - 1, d, h, mi, s)`).
 *
 * Assumptions, true of every zone in the tz database since 1970 (checked for all 418 zones Node
 * knows, 1970-2040): a zone changes its UTC offset at most once in any 48 hours, and offsets stay
 * within ±16 h. (Changes may be large: Samoa skipped 2011-12-30 entirely, a 24 h gap.)
 */
import { CronError } from './parse.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Every instant with wall-clock time L lies within L ± REACH. */
export const REACH = 16 * HOUR;

/** How a wall-clock time maps to instants. */
export interface Resolved {
  /** The instant; for a skipped time (gap), the first instant after the gap. */
  first: number;
  /** The second instant of a repeated time (overlap), else NaN. */
  second: number;
}

const zones = new Map<string, Zone>();
const MAX_CACHED_ZONES = 256;

/** Throws `CronError` unless `Intl` knows the zone. Edgeq's default zone is 'UTC'. */
export function assertTimeZone(tz: string): void {
  zoneFor(tz);
}

/** The zone, from a per-name cache: building an `Intl.DateTimeFormat` is slow (~40 µs). */
export function zoneFor(tz: string): Zone {
  const cached = zones.get(tz);
  if (cached) return cached;
  if (typeof tz !== 'string' || tz.trim() === '') {
    throw new CronError('The time zone is empty; use an IANA name such as "UTC"', 'timezone');
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new CronError(
      `Unknown time zone "${tz}": use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`,
      'timezone',
    );
  }
  const name = fmt.resolvedOptions().timeZone;
  const zone = new Zone(name, name === 'UTC' ? null : fmt);
  if (zones.size >= MAX_CACHED_ZONES) zones.clear();
  zones.set(tz, zone);
  return zone;
}

export class Zone {
  /** A span of instants known to have one offset (empty at first). */
  private spanFrom = 1;
  private spanTo = 0;
  private spanOffset = 0;

  /** `fmt` is null for UTC, which needs no formatting. */
  constructor(
    readonly name: string,
    private readonly fmt: Intl.DateTimeFormat | null,
  ) {}

  /** The local wall-clock time of instant `t`, as naive ms. */
  wall(t: number): number {
    if (!this.fmt) return t;
    const ms = ((t % 1000) + 1000) % 1000;
    const base = t - ms;
    // `format` is ~3x faster than `formatToParts`; en-US gives "3/29/2026, 03:00:00".
    let n = this.fmt.format(base).match(/\d+/g)?.map(Number);
    if (n?.length !== 6) {
      const parts: Record<string, number> = {};
      for (const p of this.fmt.formatToParts(base)) parts[p.type] = Number(p.value);
      n = [parts.month!, parts.day!, parts.year!, parts.hour!, parts.minute!, parts.second!];
    }
    const [mo, d, y, h, mi, s] = n as [number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h === 24 ? 0 : h, mi, s) + ms;
  }

  /** The UTC offset (ms, east positive) in effect at instant `t`. */
  offset(t: number): number {
    return this.wall(t) - t;
  }

  /** The instant(s) whose wall-clock time is `local` (whole seconds). */
  resolve(local: number): Resolved {
    if (!this.fmt) return { first: local, second: Number.NaN };
    if (local - REACH >= this.spanFrom && local + REACH <= this.spanTo) {
      return { first: local - this.spanOffset, second: Number.NaN };
    }
    const a = local - DAY;
    const b = local + DAY;
    const before = this.offset(a);
    const after = this.offset(b);
    if (before === after) {
      // One offset across 48 h: no transition in between (see the assumption above).
      const joins = before === this.spanOffset && a <= this.spanTo && b >= this.spanFrom;
      this.spanFrom = joins ? Math.min(a, this.spanFrom) : a;
      this.spanTo = joins ? Math.max(b, this.spanTo) : b;
      this.spanOffset = before;
      return { first: local - before, second: Number.NaN };
    }
    const t1 = local - before;
    const t2 = local - after;
    const ok1 = this.offset(t1) === before;
    const ok2 = this.offset(t2) === after;
    if (ok1 && ok2) return { first: Math.min(t1, t2), second: Math.max(t1, t2) };
    if (ok1) return { first: t1, second: Number.NaN };
    if (ok2) return { first: t2, second: Number.NaN };
    // Skipped: the offset grew from `before` to `after` between t2 and t1. Find the transition.
    let lo = t2;
    let hi = t1;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (this.offset(mid) === before) lo = mid;
      else hi = mid;
    }
    return { first: hi, second: Number.NaN };
  }

  /**
   * How far (ms) before `wall(t)` a scan must start to see every slot after `t`. Near a fall back
   * (within `shift` of it, on either side) the second pass of the repeated times can still be
   * ahead of `t` although their wall-clock time is not.
   */
  lookback(t: number): number {
    if (!this.fmt) return 0;
    if (t - DAY >= this.spanFrom && t + DAY <= this.spanTo) return 0;
    const before = this.offset(t - DAY);
    const after = this.offset(t + DAY);
    if (before <= after) return 0;
    const shift = before - after;
    return this.offset(t - shift) !== this.offset(t + shift) ? shift : 0;
  }
}
