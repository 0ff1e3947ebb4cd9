/**
 * The claim's flow control in memory: which due jobs a claim may take under the queue's limits,
 * served fairly across group keys. The SQL and Lua drivers implement the same rules (see
 * `FlowLimits` in ../types.ts); this is their executable reference.
 */
import { type FlowLimits, rateAdvance, rateAllowance } from '../types.js';
import type { StoredJob } from './job.js';

interface KeyState {
  /** Rate state of the key (`groupRate`); 0 until first served. */
  tat: number;
  /** Serve sequence number of the key's last taken job; 0 = never served. */
  lastServed: number;
}

/** Per-queue flow state: rate state, the serve sequence, and per-key state. */
export interface FlowState {
  tat: number;
  serve: number;
  keys: Map<string, KeyState>;
}

export function newFlowState(): FlowState {
  return { tat: 0, serve: 0, keys: new Map() };
}

/** Leases still held at `now` (an expired, not yet reclaimed lease holds nothing). */
function live(active: Iterable<StoredJob>, now: number, key?: string): number {
  let n = 0;
  for (const j of active) {
    if ((j.leaseExpiresAt ?? 0) > now && (key === undefined || (j.group ?? '') === key)) n++;
  }
  return n;
}

function* due(list: Iterable<StoredJob>, now: number): Generator<StoredJob> {
  for (const j of list) {
    if (j.runAt <= now && (j.expiresAt === undefined || j.expiresAt > now)) yield j;
  }
}

/**
 * Chooses the jobs a claim takes, in take order, and records what it took in `flow`.
 * `waiting` holds each key's waiting jobs in claim order ('' = jobs without a group).
 */
export function takeFair(p: {
  limit: number;
  now: number;
  limits: FlowLimits;
  waiting: Map<string, Iterable<StoredJob>>;
  active: Set<StoredJob>;
  flow: FlowState;
}): StoredJob[] {
  const { now, limits, flow } = p;
  let room = p.limit;
  if (limits.concurrency !== undefined) {
    room = Math.min(room, limits.concurrency - live(p.active, now));
  }
  if (limits.rate) room = Math.min(room, rateAllowance(limits.rate, flow.tat, now));
  if (room <= 0) return [];

  const keys: { key: string; next: Generator<StoredJob>; room: number; head: StoredJob }[] = [];
  for (const [key, list] of p.waiting) {
    let keyRoom = Number.POSITIVE_INFINITY;
    if (key !== '') {
      const state = flow.keys.get(key);
      if (limits.groupConcurrency !== undefined) {
        keyRoom = Math.min(keyRoom, limits.groupConcurrency - live(p.active, now, key));
      }
      if (limits.groupRate) {
        keyRoom = Math.min(keyRoom, rateAllowance(limits.groupRate, state?.tat ?? 0, now));
      }
    }
    if (keyRoom <= 0) continue;
    const next = due(list, now);
    const head = next.next();
    if (!head.done) keys.push({ key, next, room: keyRoom, head: head.value });
  }
  const lastServed = (k: string) => flow.keys.get(k)?.lastServed ?? 0;
  keys.sort((a, b) => lastServed(a.key) - lastServed(b.key) || (a.key < b.key ? -1 : 1));

  // Round-robin: one job per key per round, least recently served key first.
  const taken: StoredJob[] = [];
  const counts = new Map<string, number>();
  const served = new Map<string, number>();
  let open = keys;
  while (taken.length < room && open.length > 0) {
    const still: typeof keys = [];
    for (const k of open) {
      if (taken.length >= room) break;
      taken.push(k.head);
      const n = (counts.get(k.key) ?? 0) + 1;
      counts.set(k.key, n);
      flow.serve += 1;
      served.set(k.key, flow.serve);
      const after = k.next.next();
      if (n < k.room && !after.done) still.push({ ...k, head: after.value });
    }
    open = still;
  }
  // A claim that served only jobs without a group records nothing: plain claims keep no state.
  if (!(served.size === 1 && served.has(''))) {
    for (const [key, n] of served) {
      const state = flow.keys.get(key) ?? { tat: 0, lastServed: 0 };
      state.lastServed = n;
      flow.keys.set(key, state);
    }
  }
  if (limits.rate && taken.length > 0) {
    flow.tat = rateAdvance(limits.rate, flow.tat, now, taken.length);
  }
  if (limits.groupRate) {
    for (const [key, n] of counts) {
      if (key === '') continue;
      const state = flow.keys.get(key) ?? { tat: 0, lastServed: 0 };
      flow.keys.set(key, state);
      state.tat = rateAdvance(limits.groupRate, state.tat, now, n);
    }
  }
  return taken;
}
