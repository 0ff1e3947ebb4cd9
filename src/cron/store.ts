/** Reading and writing schedules through the driver's config store (used by the API). */
import { EdgeqError } from '../errors.js';
import { DEFAULT_NAMESPACE } from '../runtime/config.js';
import type { Runtime } from '../runtime/runtime.js';
import { nextSlot, parseCron } from './cron.js';
import {
  decodeSchedule,
  encodeSchedule,
  normalizeSchedule,
  type Schedule,
  type ScheduleInput,
} from './schedules.js';

export interface ScheduleView extends Schedule {
  /** The next slot after now, ISO 8601 (absent while paused). */
  nextRunAt?: string;
}

function view(s: Schedule, now: number): ScheduleView {
  if (s.paused) return s;
  const next = nextSlot(parseCron(s.cron), s.tz, now);
  return next === null ? s : { ...s, nextRunAt: new Date(next).toISOString() };
}

export async function listSchedules(rt: Runtime, ns = DEFAULT_NAMESPACE): Promise<ScheduleView[]> {
  const now = rt.now();
  const entries = await rt.call(() => rt.driver.configs({ kind: 'schedule', ns }));
  return entries.map((e) => view(decodeSchedule(e), now));
}

export async function getSchedule(
  rt: Runtime,
  name: string,
  ns = DEFAULT_NAMESPACE,
): Promise<ScheduleView> {
  const found = (await listSchedules(rt, ns)).find((s) => s.name === name);
  if (!found) throw new EdgeqError('not_found', `schedule ${name} does not exist`);
  return found;
}

/** Creates or replaces a schedule; returns it and whether it is new. */
export async function putSchedule(
  rt: Runtime,
  name: string,
  input: ScheduleInput,
  ns = DEFAULT_NAMESPACE,
): Promise<{ schedule: ScheduleView; created: boolean }> {
  const s = normalizeSchedule(name, input);
  const now = rt.now();
  const existed = (await rt.call(() => rt.driver.configs({ kind: 'schedule', ns }))).some(
    (e) => e.name === name,
  );
  await rt.call(() =>
    rt.driver.putConfig({ ns, now, kind: 'schedule', name, value: encodeSchedule(s) }),
  );
  return { schedule: view(s, now), created: !existed };
}

export async function deleteSchedule(
  rt: Runtime,
  name: string,
  ns = DEFAULT_NAMESPACE,
): Promise<void> {
  const deleted = await rt.call(() => rt.driver.deleteConfig({ ns, kind: 'schedule', name }));
  if (!deleted) throw new EdgeqError('not_found', `schedule ${name} does not exist`);
}

export async function setSchedulePaused(
  rt: Runtime,
  name: string,
  paused: boolean,
  ns = DEFAULT_NAMESPACE,
): Promise<ScheduleView> {
  const { name: _, nextRunAt: __, ...current } = await getSchedule(rt, name, ns);
  return (await putSchedule(rt, name, { ...current, paused }, ns)).schedule;
}
