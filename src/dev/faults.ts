/**
 * The fault model shared by the local Upstash, Neon (HTTP and WebSocket) and libSQL (Hrana)
 * endpoints of `edgeq dev` (src/dev), so all four inject the same faults the same way: the fault
 * tests use them, and users can see how their own code copes with a flaky store.
 *
 * A "request" is one unit the client sends and waits on: an HTTP POST (Upstash, Neon HTTP, Hrana)
 * or one Postgres protocol round trip ending in Sync or a simple Query (Neon WebSocket). Each
 * request gets at most one fault:
 * - `refuse`: the connection is reset (TCP RST) and the request is NOT executed.
 * - `error-5xx`: an HTTP 503 (a Postgres ErrorResponse over WebSocket), NOT executed.
 * - `stall`: never answered and NOT executed; held until the client gives up or the server closes.
 * - `drop-after`: executed (and committed), then the connection is cut before the response.
 * `down` refuses every new connection and every request while set: the store is down.
 *
 * Cues are consumed in order by the next requests and win over rates; otherwise one seeded draw
 * per request picks a fault against the rates (exclusive bands, so rates should sum to <= 1). The
 * same seed and the same sequence of requests give the same faults.
 */

/** A one-shot fault for the next request (see the header). */
export type Cue = 'drop-after' | 'error-5xx' | 'stall' | 'refuse';

/** The faults an endpoint injects; mutable while it runs (`server.faults.errorRate = 0.1`). */
export interface Faults {
  /** Probability (0..1) that a request is executed and then its response is dropped. */
  dropAfterRate?: number;
  /** Probability that a request gets a 5xx without being executed. */
  errorRate?: number;
  /** Probability that a request is held unanswered and not executed. */
  stallRate?: number;
  /** Probability that a request's connection is reset without executing it. */
  refuseRate?: number;
  /** Delay in ms before answering (after executing; over WebSocket, before forwarding). */
  delayMs?: number;
  /** The store is down: every connection and request is refused, nothing executes. */
  down?: boolean;
  /** One-shot faults for the next requests, in order. */
  cues?: Cue[];
}

/** Faults injected so far, by kind. */
export interface FaultStats {
  dropped: number;
  errored: number;
  stalled: number;
  refused: number;
}

/** Zeroed fault counters. */
export const newStats = (): FaultStats => ({ dropped: 0, errored: 0, stalled: 0, refused: 0 });

/** Total faults injected (each one hit exactly one request). */
export const injected = (s: FaultStats): number => s.dropped + s.errored + s.stalled + s.refused;

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns the picker of each request's fault (undefined: serve it normally), counting what it
 * picks in `stats`. Reads `faults` afresh on every call, so tests may swap or mutate them.
 */
export function faultPicker(seed: number, stats: FaultStats): (faults: Faults) => Cue | undefined {
  const random = rng(seed);
  const count = (cue: Cue | undefined): Cue | undefined => {
    if (cue === 'drop-after') stats.dropped++;
    else if (cue === 'error-5xx') stats.errored++;
    else if (cue === 'stall') stats.stalled++;
    else if (cue === 'refuse') stats.refused++;
    return cue;
  };
  return (faults) => {
    if (faults.down) return count('refuse');
    const cue = faults.cues?.shift();
    if (cue) return count(cue);
    const bands: [Cue, number | undefined][] = [
      ['refuse', faults.refuseRate],
      ['error-5xx', faults.errorRate],
      ['stall', faults.stallRate],
      ['drop-after', faults.dropAfterRate],
    ];
    if (bands.every(([, p]) => !p)) return undefined;
    let r = random();
    for (const [kind, p] of bands) {
      if (p && r < p) return count(kind);
      r -= p ?? 0;
    }
    return undefined;
  };
}
