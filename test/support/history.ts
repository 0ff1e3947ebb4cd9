/**
 * A history checker for the queue (Jepsen's `total-queue`, plus lease checks). Tests record every
 * operation's invocation and outcome, drain the queue to empty, take a final snapshot of every
 * job, then `check()` counts anomalies. A correct queue gives zero for every count.
 *
 * Outcomes: `ok` (the reply arrived), `failed` (a definite refusal that changed nothing: a fence
 * error, a validation error) and `unknown` (the call threw or its response was lost: it may or
 * may not have taken effect). Unknown outcomes are read conservatively, so they never produce an
 * anomaly by themselves:
 * - an unknown enqueue may or may not have stored its jobs: they are allowed to exist (not
 *   unexpected) but not required to (not lost);
 * - an unknown claim may have leased jobs under a token nobody saw; those hidden leases explain
 *   attempt numbers that jump later;
 * - an unknown ack, nack or extend may have ended (or moved) its lease from the moment it was sent.
 *
 * Two orders are used. Real order is a sequence number taken at each invocation and completion
 * (op A definitely precedes op B when A completed before B was invoked). Lease intervals use the
 * injected queue clock, read at invocation (earliest possible effect) and completion (latest).
 * A lease is live over [claim time, min(expiry, end)), where end is the first ack or nack sent
 * with its token; two leases overlap only if they do for every admissible effect time.
 *
 * Jobs are identified by value: every enqueued item carries a unique `value` (in its payload as
 * `{ v }`), so a job whose enqueue reply was lost can still be recognised when claimed.
 */

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface EnqueueItem {
  value: string;
  key?: string;
}

export interface AckRef {
  id: string;
  token: string;
}

/** A job as a successful claim returned it. */
export interface LeasedJob extends AckRef {
  attempt: number;
  maxAttempts: number;
  /** Epoch ms (queue clock). */
  expiresAt: number;
  /** The `v` of its payload, when it has one. */
  value?: string;
}

/** A job as the final snapshot (after draining) found it. */
export interface FinalJob {
  id: string;
  queue: string;
  state: string;
  attempt: number;
  value?: string;
  key?: string;
}

export interface Calls {
  enqueue: { queue: string; items: EnqueueItem[] };
  /** `acks` are carried on the claim and applied first, in the same round trip. */
  claim: { queue: string; limit: number; leaseMs?: number; acks: AckRef[] };
  ack: { acks: AckRef[] };
  nack: AckRef & { dead?: boolean };
  extend: AckRef & { leaseMs: number };
  /** Recorded for the op counts only: reclaim is not observable job by job. */
  tick: Record<string, never>;
}

export interface Replies {
  /** `ids[i]` for `items[i]`; undefined where the reply did not name it. */
  enqueue: { ids: (string | undefined)[] };
  claim: { jobs: LeasedJob[]; acks: boolean[] };
  ack: { acks: boolean[] };
  nack: { state: 'queued' | 'dead' };
  extend: { expiresAt: number };
  tick: Record<string, never>;
}

export type Kind = keyof Calls;

export interface Op<K extends Kind = Kind> {
  kind: K;
  call: Calls[K];
  /** Sequence number at invocation (real order). */
  invoke: number;
  /** Queue clock at invocation. */
  at: number;
  complete?: number;
  doneAt?: number;
  /** Absent while in flight: read as unknown. */
  outcome?: Outcome;
  reply?: Replies[K];
  error?: string;
}

export type AnyOp = { [K in Kind]: Op<K> }[Kind];

export interface Anomalies {
  /** Accepted jobs that did not end completed or dead (or vanished, or were left waiting). */
  lost: number;
  /** Jobs seen that no enqueue (ok or unknown) could have stored. */
  unexpected: number;
  /** Extra jobs for one idempotency key (or, without a key, for one enqueued value). */
  duplicates: number;
  /** Jobs with two successful acks. */
  ackedTwice: number;
  /** Leases granted after a successful ack (or a nack to dead) of the job had completed. */
  redeliveredAfterAck: number;
  /** Pairs of leases of one job that were both live at some instant. */
  overlappingLeases: number;
  /**
   * Leases not explained by the previous one expiring or being nacked, whose attempt did not
   * advance, beyond maxAttempts, or needing more hidden leases than unknown claims can explain.
   */
  unexplainedReexecutions: number;
  /** Successful ack, nack or extend with a token superseded by a later lease (fencing failed). */
  staleAccepted: number;
  /** Jobs acked successfully that do not end completed. */
  ackedNotCompleted: number;
}

export const ANOMALIES: readonly (keyof Anomalies)[] = [
  'lost',
  'unexpected',
  'duplicates',
  'ackedTwice',
  'redeliveredAfterAck',
  'overlappingLeases',
  'unexplainedReexecutions',
  'staleAccepted',
  'ackedNotCompleted',
];

export interface CheckReport {
  counts: Anomalies;
  /** Up to 10 examples per anomaly, for the failure message. */
  examples: Record<keyof Anomalies, string[]>;
  stats: {
    ops: number;
    unknownOps: number;
    /** Enqueued items, and distinct jobs seen. */
    enqueued: number;
    jobs: number;
    leases: number;
    /** Leases beyond each job's first. */
    reexecutions: number;
    completed: number;
    dead: number;
  };
}

/** Records operations in real order with the queue clock; `check` analyses them. */
export class History {
  readonly ops: AnyOp[] = [];
  private seq = 0;

  constructor(private readonly clock: () => number) {}

  invoke<K extends Kind>(kind: K, call: Calls[K]): Op<K> {
    const op: Op<K> = { kind, call, invoke: this.seq++, at: this.clock() };
    this.ops.push(op as AnyOp);
    return op;
  }

  ok<K extends Kind>(op: Op<K>, reply: Replies[K]): void {
    this.finish(op, 'ok');
    op.reply = reply;
  }

  fail(op: Op, error = 'failed'): void {
    this.finish(op, 'failed');
    op.error = error;
  }

  unknown(op: Op, error = 'unknown'): void {
    this.finish(op, 'unknown');
    op.error = error;
  }

  private finish(op: Op, outcome: Outcome): void {
    if (op.outcome) throw new Error(`op ${op.invoke} (${op.kind}) already finished`);
    op.complete = this.seq++;
    op.doneAt = this.clock();
    op.outcome = outcome;
  }

  check(final: FinalJob[]): CheckReport {
    return checkHistory(this.ops, final);
  }
}

/** Zero counts, for summing reports. */
export function noAnomalies(): Anomalies {
  return Object.fromEntries(ANOMALIES.map((k) => [k, 0])) as unknown as Anomalies;
}

/** The anomalies with a non-zero count and their examples, or '' when clean. */
export function describeAnomalies(r: CheckReport): string {
  return ANOMALIES.filter((k) => r.counts[k] > 0)
    .map((k) => `${k}: ${r.counts[k]} (${r.examples[k].join('; ')})`)
    .join('\n');
}

// --- Analysis ---------------------------------------------------------------------------------

interface Lease {
  token: string;
  queue: string;
  attempt: number;
  maxAttempts: number;
  expiresAt: number;
  claimInvoke: number;
  claimComplete: number;
  /** Queue clock when the claim returned: the latest the lease can have started. */
  startUp: number;
}

interface TokenEvent {
  kind: 'ack' | 'nack' | 'extend';
  token: string;
  outcome: Outcome;
  invoke: number;
  complete: number;
  at: number;
  /** A nack that sent the job to dead. */
  dead?: boolean;
  /** extend: the requested length, and the new expiry when ok. */
  leaseMs?: number;
  expiresAt?: number;
}

interface JobFacts {
  id: string;
  value?: string;
  /** Identity named by an ok enqueue reply. */
  enqueued?: string;
  leases: Lease[];
  events: TokenEvent[];
  final?: FinalJob;
}

const TERMINAL = new Set(['completed', 'dead']);
const MAX_EXAMPLES = 10;

class Findings {
  readonly counts = noAnomalies();
  readonly examples = Object.fromEntries(ANOMALIES.map((k) => [k, [] as string[]])) as Record<
    keyof Anomalies,
    string[]
  >;
  add(kind: keyof Anomalies, example: string): void {
    this.counts[kind]++;
    if (this.examples[kind].length < MAX_EXAMPLES) this.examples[kind].push(example);
  }
}

/** Unknown claims per queue, by invocation order, to count hidden leases in a window. */
class HiddenLeases {
  private readonly byQueue = new Map<string, number[]>();
  add(queue: string, invoke: number): void {
    const list = this.byQueue.get(queue) ?? [];
    list.push(invoke); // ops are recorded in invocation order, so the list stays sorted
    this.byQueue.set(queue, list);
  }
  /** Unknown claims on `queue` invoked in (after, before). */
  between(queue: string, after: number, before: number): number {
    const list = this.byQueue.get(queue) ?? [];
    return lowerBound(list, before) - lowerBound(list, after + 1);
  }
}

function lowerBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const identityOf = (queue: string, item: EnqueueItem): string =>
  item.key === undefined ? `value ${item.value}` : `key ${queue} ${item.key}`;

/** Counts anomalies in `ops` given the final snapshot of every job (see the module comment). */
export function checkHistory(ops: readonly AnyOp[], final: readonly FinalJob[]): CheckReport {
  const found = new Findings();
  /** value -> its identity, and whether any enqueue that was not refused carried it. */
  const values = new Map<string, { identity: string; possible: boolean }>();
  const okItems: { identity: string; id?: string }[] = [];
  const jobs = new Map<string, JobFacts>();
  const hidden = new HiddenLeases();
  const job = (id: string): JobFacts => {
    let f = jobs.get(id);
    if (!f) {
      f = { id, leases: [], events: [] };
      jobs.set(id, f);
    }
    return f;
  };
  let items = 0;
  let unknownOps = 0;

  for (const op of ops) {
    const outcome = op.outcome ?? 'unknown';
    if (outcome === 'unknown') unknownOps++;
    const complete = op.complete ?? Number.POSITIVE_INFINITY;
    const base = { outcome, invoke: op.invoke, complete, at: op.at };
    const itemOutcome = (i: number, acks: boolean[] | undefined): Outcome =>
      outcome === 'ok' ? (acks?.[i] ? 'ok' : 'failed') : outcome;
    switch (op.kind) {
      case 'enqueue':
        op.call.items.forEach((item, i) => {
          items++;
          const identity = identityOf(op.call.queue, item);
          const prev = values.get(item.value);
          values.set(item.value, { identity, possible: !!prev?.possible || outcome !== 'failed' });
          if (outcome !== 'ok') return;
          const id = op.reply?.ids[i];
          okItems.push(id === undefined ? { identity } : { identity, id });
          if (id !== undefined) job(id).enqueued = identity;
        });
        break;
      case 'claim':
        op.call.acks.forEach((a, i) => {
          const o = itemOutcome(i, op.reply?.acks);
          job(a.id).events.push({ kind: 'ack', token: a.token, ...base, outcome: o });
        });
        if (outcome === 'unknown') hidden.add(op.call.queue, op.invoke);
        for (const j of (outcome === 'ok' && op.reply?.jobs) || []) {
          const f = job(j.id);
          if (j.value !== undefined) f.value ??= j.value;
          f.leases.push({
            token: j.token,
            queue: op.call.queue,
            attempt: j.attempt,
            maxAttempts: j.maxAttempts,
            expiresAt: j.expiresAt,
            claimInvoke: op.invoke,
            claimComplete: complete,
            startUp: op.doneAt ?? op.at,
          });
        }
        break;
      case 'ack':
        op.call.acks.forEach((a, i) => {
          const o = itemOutcome(i, op.reply?.acks);
          job(a.id).events.push({ kind: 'ack', token: a.token, ...base, outcome: o });
        });
        break;
      case 'nack':
        job(op.call.id).events.push({
          kind: 'nack',
          token: op.call.token,
          ...base,
          ...(outcome === 'ok' && op.reply?.state === 'dead' ? { dead: true } : {}),
        });
        break;
      case 'extend':
        job(op.call.id).events.push({
          kind: 'extend',
          token: op.call.token,
          ...base,
          leaseMs: op.call.leaseMs,
          ...(outcome === 'ok' && op.reply ? { expiresAt: op.reply.expiresAt } : {}),
        });
        break;
      case 'tick':
        break;
    }
  }
  for (const f of final) {
    const facts = job(f.id);
    facts.final = f;
    if (f.value !== undefined) facts.value ??= f.value;
  }

  // Identity of every job seen: its ok enqueue reply, else the enqueue that carried its value.
  const byIdentity = new Map<string, string[]>();
  for (const f of jobs.values()) {
    const known = f.value === undefined ? undefined : values.get(f.value);
    if (!f.enqueued && !known?.possible) {
      found.add('unexpected', `${f.id} (value ${f.value ?? 'none'})`);
      continue;
    }
    const identity = f.enqueued ?? known!.identity;
    byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), f.id]);
  }
  for (const [identity, ids] of byIdentity) {
    for (const id of ids.slice(1)) found.add('duplicates', `${identity}: ${ids[0]} and ${id}`);
  }

  countLost(found, okItems, jobs, byIdentity);
  let leases = 0;
  let reexecutions = 0;
  for (const f of jobs.values()) {
    leases += f.leases.length;
    reexecutions += Math.max(0, f.leases.length - 1);
    checkJob(found, f, hidden);
  }
  return {
    counts: found.counts,
    examples: found.examples,
    stats: {
      ops: ops.length,
      unknownOps,
      enqueued: items,
      jobs: jobs.size,
      leases,
      reexecutions,
      completed: final.filter((f) => f.state === 'completed').length,
      dead: final.filter((f) => f.state === 'dead').length,
    },
  };
}

/**
 * Lost: an ok enqueue whose job did not end completed or dead (by id, or by identity where the
 * reply named none); a job leased or acked that is missing from the snapshot; any job the snapshot
 * still finds waiting or active after the drain. Each job counts once.
 */
function countLost(
  found: Findings,
  okItems: { identity: string; id?: string }[],
  jobs: Map<string, JobFacts>,
  byIdentity: Map<string, string[]>,
): void {
  const lost = new Map<string, string>();
  const finished = (id: string) => TERMINAL.has(jobs.get(id)?.final?.state ?? '');
  for (const item of okItems) {
    if (item.id !== undefined) {
      if (!finished(item.id))
        lost.set(item.id, `${item.id}: enqueued, ends ${state(jobs, item.id)}`);
    } else if (!(byIdentity.get(item.identity) ?? []).some(finished)) {
      lost.set(item.identity, `${item.identity}: enqueued, no finished job`);
    }
  }
  for (const f of jobs.values()) {
    const touched = f.leases.length > 0 || f.events.some((e) => e.outcome === 'ok');
    if ((touched && !f.final) || (f.final && !TERMINAL.has(f.final.state))) {
      lost.set(f.id, `${f.id}: leased, ends ${state(jobs, f.id)}`);
    }
  }
  for (const example of lost.values()) found.add('lost', example);
}

const state = (jobs: Map<string, JobFacts>, id: string) => jobs.get(id)?.final?.state ?? 'missing';

/** The lease checks of one job: acks, overlaps, redelivery, re-executions, fencing. */
function checkJob(found: Findings, f: JobFacts, hidden: HiddenLeases): void {
  const acks = f.events.filter((e) => e.kind === 'ack' && e.outcome === 'ok');
  if (acks.length > 1) found.add('ackedTwice', `${f.id}: ${acks.length} successful acks`);
  if (acks.length && f.final && f.final.state !== 'completed') {
    found.add('ackedNotCompleted', `${f.id}: acked, ends ${f.final.state}`);
  }

  const leases = [...f.leases].sort((a, b) => a.claimComplete - b.claimComplete);
  const lives = leases.map((l) => live(l, f.events));
  for (let i = 0; i < leases.length; i++) {
    for (let j = i + 1; j < leases.length; j++) {
      if (overlap(leases[i]!, lives[i]!, leases[j]!, lives[j]!)) {
        found.add(
          'overlappingLeases',
          `${f.id}: attempts ${leases[i]!.attempt}, ${leases[j]!.attempt}`,
        );
      }
    }
  }

  // Finished: the first successful ack or nack to dead, by completion.
  const finishes = f.events.filter((e) => e.outcome === 'ok' && (e.kind === 'ack' || e.dead));
  const finishedAt = Math.min(...finishes.map((e) => e.complete));
  for (const l of leases) {
    if (l.claimInvoke > finishedAt)
      found.add('redeliveredAfterAck', `${f.id}: attempt ${l.attempt}`);
  }

  leases.forEach((next, i) => {
    const why = unexplained(leases[i - 1], next, f.events, hidden);
    if (why) found.add('unexplainedReexecutions', `${f.id}: attempt ${next.attempt} ${why}`);
  });
  const last = leases[leases.length - 1];
  if (f.final) {
    const jump = f.final.attempt - (last?.attempt ?? 0);
    const after = last?.claimInvoke ?? -1;
    if (jump < 0 || jump > hidden.between(last?.queue ?? f.final.queue, after, Infinity)) {
      found.add('unexplainedReexecutions', `${f.id}: ends at attempt ${f.final.attempt}`);
    }
  }

  for (const e of f.events) {
    if (e.outcome !== 'ok') continue;
    const own = leases.find((l) => l.token === e.token);
    const later = own && leases.find((l) => l.attempt > own.attempt && l.claimComplete < e.invoke);
    if (!own || later) found.add('staleAccepted', `${f.id}: ${e.kind} with a superseded token`);
  }
}

/** How long a lease surely lasted. */
interface Live {
  /** Earliest possible expiry (queue clock), moved by extends: an ok one sets it, an unknown one
   * may have set it to as early as its own time + leaseMs. */
  expiry: number;
  /** Queue clock, and sequence number, of the first ack or nack that may have ended it. */
  endAt: number;
  endSeq: number;
}

function live(l: Lease, events: TokenEvent[]): Live {
  const out: Live = {
    expiry: l.expiresAt,
    endAt: Number.POSITIVE_INFINITY,
    endSeq: Number.POSITIVE_INFINITY,
  };
  for (const e of events) {
    if (e.token !== l.token || e.outcome === 'failed') continue;
    if (e.kind === 'extend') {
      out.expiry = e.outcome === 'ok' ? e.expiresAt! : Math.min(out.expiry, e.at + e.leaseMs!);
    } else {
      out.endAt = Math.min(out.endAt, e.at);
      out.endSeq = Math.min(out.endSeq, e.invoke);
    }
  }
  return out;
}

/**
 * Two leases surely live at one instant. By the queue clock: their intervals [latest start,
 * earliest end) intersect. By real order (which catches it when the clock stands still): each
 * claim returned before the other lease's first ack or nack was sent, and neither lease can have
 * expired by the time both claims had returned; then at the later of the two claims' effects
 * both were held.
 */
function overlap(a: Lease, la: Live, b: Lease, lb: Live): boolean {
  const endA = Math.min(la.expiry, la.endAt);
  const endB = Math.min(lb.expiry, lb.endAt);
  if (a.startUp < endB && b.startUp < endA) return true;
  return (
    a.claimComplete < lb.endSeq &&
    b.claimComplete < la.endSeq &&
    Math.min(la.expiry, lb.expiry) > Math.max(a.startUp, b.startUp)
  );
}

/** Why `next` (leased after `prev`, or first) is not explained; '' when it is. */
function unexplained(
  prev: Lease | undefined,
  next: Lease,
  events: TokenEvent[],
  hidden: HiddenLeases,
): string {
  if (next.attempt > next.maxAttempts) return `past maxAttempts ${next.maxAttempts}`;
  const from = prev?.attempt ?? 0;
  if (next.attempt <= from) return `after attempt ${from}: the attempt did not advance`;
  const needed = next.attempt - from - 1;
  if (needed > hidden.between(next.queue, prev?.claimInvoke ?? -1, next.claimComplete)) {
    return `after attempt ${from}: ${needed} leases no claim can account for`;
  }
  if (!prev) return '';
  // Only a nack or an expiry puts a job back (an ack completes it): the previous lease must have
  // been nacked before this claim returned, or have expired by its latest start.
  const nacked = events.some(
    (e) =>
      e.kind === 'nack' &&
      e.token === prev.token &&
      e.outcome !== 'failed' &&
      e.invoke < next.claimComplete,
  );
  return nacked || live(prev, events).expiry <= next.startUp
    ? ''
    : `while attempt ${from} was live`;
}
