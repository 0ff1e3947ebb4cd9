/**
 * Checks an endpoint's fault model through its real client: one write per fault cue, then
 * whether the call failed and whether the store executed it; then the same with the store down,
 * and once more after it is back.
 */
import type { Cue, FaultStats, Faults } from '../support/faults.js';

export interface Probe {
  endpoint: { faults: Faults; stats: FaultStats };
  /** One write that stores `tag` (the client must time out a stall). */
  write(tag: string): Promise<unknown>;
  /** Whether `tag` was stored. */
  stored(tag: string): Promise<boolean>;
}

export type Verdict = { failed: boolean; executed: boolean };

const CUES: Cue[] = ['refuse', 'error-5xx', 'stall', 'drop-after'];

async function attempt(p: Probe, tag: string): Promise<Verdict> {
  const failed = await p.write(tag).then(
    () => false,
    () => true,
  );
  p.endpoint.faults = {};
  return { failed, executed: await p.stored(tag) };
}

export async function probe(p: Probe, prefix: string): Promise<Record<string, Verdict>> {
  const out: Record<string, Verdict> = {};
  for (const cue of CUES) {
    p.endpoint.faults = { cues: [cue] };
    out[cue] = await attempt(p, `${prefix}-${cue}`);
  }
  p.endpoint.faults = { down: true };
  out.down = await attempt(p, `${prefix}-down`);
  out.up = await attempt(p, `${prefix}-up`);
  return out;
}

/** What every endpoint must show (a client that does not retry). */
export const EXPECTED: Record<string, Verdict> = {
  refuse: { failed: true, executed: false },
  'error-5xx': { failed: true, executed: false },
  stall: { failed: true, executed: false },
  'drop-after': { failed: true, executed: true },
  down: { failed: true, executed: false },
  up: { failed: false, executed: true },
};
