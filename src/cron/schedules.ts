/**
 * Cron schedules: each enqueues one job per slot into its queue. Stored by the driver as config
 * entries (kind `schedule`), from the API or from `createRuntime({ schedules })`.
 *
 * At most one job per (schedule, slot), however often or concurrently ticks fire: each slot's job
 * carries the idempotency key `cron:<name>:<slot ms>`, so a repeated or concurrent tick gets the
 * existing job back instead of a second one. The stored cursor (only ever raised) marks how far
 * slots have been enqueued; it saves work, while the keys are what make duplicates impossible.
 *
 * Catch-up: slots missed while ticks did not run (or the schedule was paused) are not all
 * replayed: only the latest `catchUp` of them (default 1) are enqueued. Because Cloudflare fires
 * cron at most once a minute, each tick also enqueues the slots of the next two minutes as delayed
 * jobs, so second-level schedules fire on time and one late tick loses nothing.
 */
import type { ConfigEntry } from '../drivers/types.js';
import { EdgeqError } from '../errors.js';
import { DEFAULT_NAMESPACE, QUEUE_NAME } from '../runtime/config.js';
import type { JobInput, Runtime } from '../runtime/runtime.js';
import { assertTimeZone, CronError, parseCron, slotsBetween } from './cron.js';

/** A schedule as defined in code or through `PUT /v1/schedules/:name`. */
export interface ScheduleInput {
  /** 5 fields, or 6 with leading seconds; `@daily` etc. */
  cron: string;
  /** IANA time zone the fields are read in (default UTC). */
  tz?: string;
  queue: string;
  payload?: unknown;
  priority?: number;
  maxAttempts?: number;
  leaseMs?: number;
  /** How many missed slots to enqueue after a gap (1..100, default 1: the latest only). */
  catchUp?: number;
  paused?: boolean;
}

export interface Schedule extends ScheduleInput {
  name: string;
  tz: string;
  catchUp: number;
  paused: boolean;
}

export const SCHEDULE_NAME = QUEUE_NAME;
/** How far ahead each tick enqueues slots as delayed jobs. */
export const LOOKAHEAD_MS = 2 * 60_000;
const MAX_SLOTS_PER_TICK = 500;

/** Validates and fills defaults; throws `invalid_request` naming the field. */
export function normalizeSchedule(name: string, input: ScheduleInput): Schedule {
  if (!SCHEDULE_NAME.test(name)) {
    throw new EdgeqError(
      'invalid_request',
      'schedule name must be 1 to 128 characters of A-Z a-z 0-9 _ . -',
      {
        field: 'name',
      },
    );
  }
  const tz = input.tz ?? 'UTC';
  try {
    parseCron(input.cron);
  } catch (err) {
    if (err instanceof CronError)
      throw new EdgeqError('invalid_request', err.message, { field: 'cron' });
    throw err;
  }
  try {
    assertTimeZone(tz);
  } catch (err) {
    if (err instanceof CronError)
      throw new EdgeqError('invalid_request', err.message, { field: 'tz' });
    throw err;
  }
  if (!QUEUE_NAME.test(input.queue)) {
    throw new EdgeqError('invalid_request', 'queue name is invalid', { field: 'queue' });
  }
  return { ...input, name, tz, catchUp: input.catchUp ?? 1, paused: input.paused ?? false };
}

/** Stored form: the normalized schedule without its name (the entry's name). */
export const encodeSchedule = ({ name: _, ...rest }: Schedule): string => JSON.stringify(rest);

export function decodeSchedule(entry: ConfigEntry): Schedule {
  return { ...(JSON.parse(entry.value) as Omit<Schedule, 'name'>), name: entry.name };
}

/** The latest `n` slots in (after, until], found by widening the window back from `until`. */
function latestSlots(s: Schedule, after: number, until: number, n: number): number[] {
  const spec = parseCron(s.cron);
  for (let width = 60_000; ; width *= 4) {
    const from = Math.max(after, until - width);
    const found = slotsBetween(spec, s.tz, from, until, 10_000);
    if (found.length >= n || from === after) return found.slice(-n);
  }
}

export interface ScheduleTickResult {
  /** Schedules looked at (not paused). */
  schedules: number;
  /** Jobs newly enqueued (existing slot jobs are not counted). */
  enqueued: number;
}

/** One tick's schedule work: for every schedule of every namespace, enqueue its due slots. */
export async function runSchedules(
  rt: Runtime,
  within: () => boolean,
): Promise<ScheduleTickResult> {
  const out: ScheduleTickResult = { schedules: 0, enqueued: 0 };
  const now = rt.now();
  const entries = await rt.call(() => rt.driver.configs({ kind: 'schedule' }));
  for (const entry of entries) {
    if (!within()) break;
    const s = decodeSchedule(entry);
    if (s.paused) continue;
    out.schedules++;
    const from = entry.cursor ?? entry.updatedAt;
    const horizon = now + LOOKAHEAD_MS;
    // Missed slots: only the latest `catchUp`; then the coming ones, as delayed jobs.
    const due = latestSlots(s, from, now, s.catchUp);
    const ahead = slotsBetween(
      parseCron(s.cron),
      s.tz,
      Math.max(from, now),
      horizon,
      MAX_SLOTS_PER_TICK,
    );
    const slots = [...due, ...ahead];
    if (slots.length) {
      const job: JobInput = {
        ...(s.payload === undefined ? {} : { payload: s.payload }),
        ...(s.priority === undefined ? {} : { priority: s.priority }),
        ...(s.maxAttempts === undefined ? {} : { maxAttempts: s.maxAttempts }),
        ...(s.leaseMs === undefined ? {} : { leaseMs: s.leaseMs }),
      };
      const jobs = slots.map((slot) => ({
        ...job,
        runAt: Math.max(slot, now),
        key: `cron:${s.name}:${slot}`,
      }));
      const res = await rt.enqueue(s.queue, jobs, entry.ns);
      out.enqueued += res.filter((r) => r.created).length;
    }
    const cursor = ahead.length === MAX_SLOTS_PER_TICK ? ahead[ahead.length - 1]! : horizon;
    await rt.call(() =>
      rt.driver.advanceCursor({ ns: entry.ns, kind: 'schedule', name: s.name, cursor }),
    );
  }
  return out;
}

/**
 * Stores the schedules defined in code, in the default namespace, when they differ from what is
 * stored (once per runtime instance, so steady ticks cost no writes).
 */
export async function syncCodeSchedules(
  rt: Runtime,
  defs: ReadonlyMap<string, Schedule>,
): Promise<void> {
  if (!defs.size) return;
  const stored = new Map(
    (await rt.call(() => rt.driver.configs({ kind: 'schedule', ns: DEFAULT_NAMESPACE }))).map(
      (e) => [e.name, e.value],
    ),
  );
  for (const s of defs.values()) {
    const value = encodeSchedule(s);
    if (stored.get(s.name) === value) continue;
    const now = rt.now();
    await rt.call(() =>
      rt.driver.putConfig({ ns: DEFAULT_NAMESPACE, now, kind: 'schedule', name: s.name, value }),
    );
  }
}
