/**
 * What one runtime instance counts and times: the runtime calls these hooks after each driver
 * call, and `GET /metrics` (./route.ts) renders them with the job gauges it reads at scrape time.
 *
 * The numbers live in the instance: per isolate on Workers, per process under `edgeq serve`.
 * They start at zero when it starts, as Prometheus counters may; sum them across instances in
 * the query (`sum by (queue) (rate(edgeq_jobs_claimed_total[5m]))`).
 *
 * Labels: `ns` and `queue` where the call names them. Ack and nack name only a job id and a
 * lease token, so they carry `ns` and their outcome, not the queue (finding it would cost a
 * storage read); the tick's reclaim spans every namespace and queue, so it carries its outcome.
 *
 * @example
 * rt.metrics.claimed('default', 'emails', 3, 0.004);
 * render(rt.metrics.families); // text exposition of every counter and histogram
 */
import type { AckOutcome, EnqueueResult, NackResult, ReclaimResult } from '../drivers/types.js';
import { Family } from './registry.js';

/** Seconds; claims are one storage round trip: sub-millisecond in memory, tens of ms remote. */
const CLAIM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; handlers are user code bounded by their lease (up to 12 h). */
const HANDLER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

const queued = { foldLabel: 'queue' };

/** The metric families of one runtime instance, and a hook per event the runtime reports. */
export class RuntimeMetrics {
  readonly enqueuedTotal = new Family(
    'edgeq_jobs_enqueued_total',
    'Jobs stored by enqueues (an idempotent repeat or a debounce replacement is not counted).',
    'counter',
    ['ns', 'queue'],
    queued,
  );
  readonly claimedTotal = new Family(
    'edgeq_jobs_claimed_total',
    'Jobs leased by claims.',
    'counter',
    ['ns', 'queue'],
    queued,
  );
  readonly ackedTotal = new Family(
    'edgeq_jobs_acked_total',
    'Acks by outcome: ok, lease_lost or not_found.',
    'counter',
    ['ns', 'outcome'],
  );
  readonly nackedTotal = new Family(
    'edgeq_jobs_nacked_total',
    'Nacks by outcome: queued (to retry), dead, lease_lost or not_found.',
    'counter',
    ['ns', 'outcome'],
  );
  readonly reclaimedTotal = new Family(
    'edgeq_jobs_reclaimed_total',
    'Jobs the tick reclaimed, by outcome: requeued (lease expired), dead (lease expired, no attempts left) or expired (deadline passed while waiting).',
    'counter',
    ['outcome'],
  );
  readonly claimSeconds = new Family(
    'edgeq_claim_duration_seconds',
    'Duration of claim calls to the store, in seconds.',
    'histogram',
    ['ns', 'queue'],
    { ...queued, buckets: CLAIM_BUCKETS },
  );
  readonly handlerSeconds = new Family(
    'edgeq_handler_duration_seconds',
    'Duration of in-process handler runs, in seconds, by outcome: completed or failed.',
    'histogram',
    ['ns', 'queue', 'outcome'],
    { ...queued, buckets: HANDLER_BUCKETS },
  );
  readonly storageErrorsTotal = new Family(
    'edgeq_storage_errors_total',
    'Storage calls that failed (answered 503 driver_unavailable, or retried by background work).',
    'counter',
    ['driver'],
  );
  readonly httpRequestsTotal = new Family(
    'edgeq_http_requests_total',
    'HTTP requests by route pattern and status.',
    'counter',
    ['ns', 'method', 'route', 'status'],
  );

  /** Every family, in exposition order. */
  get families(): Family[] {
    return [
      this.enqueuedTotal,
      this.claimedTotal,
      this.ackedTotal,
      this.nackedTotal,
      this.reclaimedTotal,
      this.claimSeconds,
      this.handlerSeconds,
      this.storageErrorsTotal,
      this.httpRequestsTotal,
    ];
  }

  enqueued(ns: string, queue: string, results: readonly EnqueueResult[]): void {
    this.enqueuedTotal.inc({ ns, queue }, results.filter((r) => r.created).length);
  }

  claimed(ns: string, queue: string, jobs: number, seconds: number): void {
    this.claimedTotal.inc({ ns, queue }, jobs);
    this.claimSeconds.observe({ ns, queue }, seconds);
  }

  acked(ns: string, outcomes: readonly AckOutcome[]): void {
    for (const o of outcomes) this.ackedTotal.inc({ ns, outcome: o.ok ? 'ok' : o.error });
  }

  nacked(ns: string, result: NackResult): void {
    this.nackedTotal.inc({ ns, outcome: result.ok ? result.state : result.error });
  }

  reclaimed(r: Pick<ReclaimResult, 'dead' | 'expired'> & { reclaimed: number }): void {
    this.reclaimedTotal.inc({ outcome: 'requeued' }, r.reclaimed);
    this.reclaimedTotal.inc({ outcome: 'dead' }, r.dead);
    this.reclaimedTotal.inc({ outcome: 'expired' }, r.expired);
  }

  handled(ns: string, queue: string, outcome: 'completed' | 'failed', seconds: number): void {
    this.handlerSeconds.observe({ ns, queue, outcome }, seconds);
  }

  storageError(driver: string): void {
    this.storageErrorsTotal.inc({ driver });
  }

  request(ns: string | undefined, method: string, route: string, status: number): void {
    this.httpRequestsTotal.inc({ ns: ns ?? '', method, route, status: String(status) });
  }
}

/** Seconds since `startedMs` (a `performance.now()` reading). */
export function secondsSince(startedMs: number): number {
  return (performance.now() - startedMs) / 1000;
}
