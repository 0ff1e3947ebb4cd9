/**
 * The producer and consumer half of the client: enqueue, claim, ack, nack, extend, ackMany, get,
 * plus health and capabilities. `EdgeqClient` (./client.ts) adds the operator routes.
 *
 * What is retried (on no answer, a timeout, 429, 502, 503, 504; see ./http.ts):
 * - enqueue: when every job has a `key`. Jobs without one get a minted key first (`autoKeys`),
 *   so a retry after a lost answer returns the stored job (`created: false`) instead of making a
 *   second. A debounced job keeps its own key; its retry lands on the same waiting job.
 * - claim: yes. A claim whose answer was lost leased jobs nobody runs; they come back when the
 *   lease expires (at least once), and a retry does not make that worse.
 * - ack, nack, ackMany and a claim's acks: yes. After a try that may have run, `409 lease_lost`
 *   is checked by reading the job (./confirm.ts): completed with this ack's result means the
 *   first try landed, and the call succeeds with `confirmed: true`.
 * - extend, get, health, capabilities: yes (repeating them changes nothing more).
 */
import { ackLanded, nackLanded } from './confirm.js';
import { EdgeqApiError } from './errors.js';
import {
  type CallOptions,
  type ClientOptions,
  Http,
  type RequestSpec,
  type Trace,
} from './http.js';
import { newKey } from './keys.js';
import type {
  AckInput,
  AckItem,
  AckManyResult,
  AckOutcome,
  AckResult,
  CapabilitiesResult,
  ClaimInput,
  ClaimResult,
  EnqueueBatchResult,
  EnqueueResult,
  ExtendInput,
  ExtendResult,
  HealthResult,
  JobInput,
  JobView,
  NackInput,
  NackResult,
} from './types.js';

/** A path segment: names and ids are URL-safe when valid, and encoded when not. */
export const seg = encodeURIComponent;

/**
 * The producer and consumer routes; `EdgeqClient` extends it with the operator routes.
 *
 * @example
 * const client = new EdgeqJobsClient({ url: env.EDGEQ_URL, token: env.EDGEQ_WORKER_TOKEN });
 * const { jobs } = await client.claim('emails', { limit: 10 });
 */
export class EdgeqJobsClient {
  protected readonly http: Http;
  readonly #autoKeys: boolean;

  constructor(opts: ClientOptions) {
    this.http = new Http(opts);
    this.#autoKeys = opts.autoKeys ?? true;
  }

  /** Sends one request and returns its JSON body. */
  protected async send<T>(spec: RequestSpec): Promise<T> {
    return (await this.http.request<T>(spec)).data;
  }

  /**
   * Enqueues one job. Retried safely: a job without a `key` gets a minted one (see `autoKeys`).
   *
   * @example
   * const { id, created } = await client.enqueue('emails', { payload: { to: 'ada@example.com' } });
   */
  enqueue(queue: string, job: JobInput = {}, call?: CallOptions): Promise<EnqueueResult> {
    const body = this.#keyed(job);
    const path = `/v1/queues/${seg(queue)}/jobs`;
    return this.send({ method: 'POST', path, body, retry: body.key !== undefined, call });
  }

  /** Enqueues 1 to 1,000 jobs in one round trip; results are in the same order. */
  enqueueBatch(queue: string, jobs: JobInput[], call?: CallOptions): Promise<EnqueueBatchResult> {
    const keyed = jobs.map((j) => this.#keyed(j));
    const retry = keyed.every((j) => j.key !== undefined);
    const path = `/v1/queues/${seg(queue)}/jobs`;
    return this.send({ method: 'POST', path, body: { jobs: keyed }, retry, call });
  }

  /** The job with a minted idempotency key when it has none and is not a debounce. */
  #keyed(job: JobInput): JobInput {
    if (!this.#autoKeys || job.key !== undefined || job.debounceMs !== undefined) return job;
    return { ...job, key: newKey() };
  }

  /**
   * Leases up to `limit` jobs (1 to 100). `acks` settle earlier jobs in the same round trip;
   * their outcomes come back in `acks`, in order.
   *
   * @example
   * let acks: AckItem[] = [];
   * for (;;) {
   *   const { jobs } = await client.claim('emails', { limit: 10, acks });
   *   acks = jobs.map((j) => ({ id: j.id, leaseToken: j.leaseToken, result: run(j) }));
   * }
   */
  async claim(queue: string, input: ClaimInput = {}, call?: CallOptions): Promise<ClaimResult> {
    const trace: Trace = { ambiguous: false };
    const path = `/v1/queues/${seg(queue)}/claim`;
    const res = await this.send<ClaimResult>({
      method: 'POST',
      path,
      body: input,
      retry: true,
      call,
      trace,
    });
    if (trace.ambiguous && res.acks && input.acks) {
      res.acks = await this.#confirmAcks(input.acks, res.acks);
    }
    return res;
  }

  /** Completes a job; `enqueue` follow-ups are stored if and only if the ack succeeds. */
  async ack(id: string, input: AckInput, call?: CallOptions): Promise<AckResult> {
    const trace: Trace = { ambiguous: false };
    const path = `/v1/jobs/${seg(id)}/ack`;
    try {
      return await this.send({ method: 'POST', path, body: input, retry: true, call, trace });
    } catch (err) {
      if (lostAfterRetry(err, trace) && (await ackLanded((j) => this.get(j), id, input.result))) {
        return { id, state: 'completed', confirmed: true };
      }
      throw err;
    }
  }

  /**
   * Gives a job back: it runs again after `retryInMs` or the queue's backoff, or goes `dead`
   * (with `dead: true`, or when out of attempts).
   */
  async nack(id: string, input: NackInput, call?: CallOptions): Promise<NackResult> {
    const trace: Trace = { ambiguous: false };
    const path = `/v1/jobs/${seg(id)}/nack`;
    try {
      return await this.send({ method: 'POST', path, body: input, retry: true, call, trace });
    } catch (err) {
      if (lostAfterRetry(err, trace)) {
        const landed = await nackLanded((j) => this.get(j), id, input);
        if (landed) return landed;
      }
      throw err;
    }
  }

  /** Renews a lease: it now ends `leaseMs` from now. */
  extend(id: string, input: ExtendInput, call?: CallOptions): Promise<ExtendResult> {
    const path = `/v1/jobs/${seg(id)}/extend`;
    return this.send({ method: 'POST', path, body: input, retry: true, call });
  }

  /** Completes up to 100 jobs in one round trip; one outcome per ack, in order. */
  async ackMany(acks: AckItem[], call?: CallOptions): Promise<AckManyResult> {
    const trace: Trace = { ambiguous: false };
    const res = await this.send<AckManyResult>({
      method: 'POST',
      path: '/v1/ack',
      body: { acks },
      retry: true,
      call,
      trace,
    });
    if (trace.ambiguous) res.results = await this.#confirmAcks(acks, res.results);
    return res;
  }

  /** A job's state, payload, attempts, result and last error (never its lease token). */
  get(id: string, call?: CallOptions): Promise<JobView> {
    return this.send({ method: 'GET', path: `/v1/jobs/${seg(id)}`, retry: true, call });
  }

  /** `GET /healthz`: no auth needed. */
  health(call?: CallOptions): Promise<HealthResult> {
    return this.send({ method: 'GET', path: '/healthz', retry: true, call });
  }

  /** The store's name and what it can do (`durable`, `shared`, `replaySafe`). */
  capabilities(call?: CallOptions): Promise<CapabilitiesResult> {
    return this.send({ method: 'GET', path: '/v1/capabilities', retry: true, call });
  }

  /** Re-checks acks answered `lease_lost` after a try that may have applied them. */
  async #confirmAcks(sent: AckItem[], outcomes: AckOutcome[]): Promise<AckOutcome[]> {
    return Promise.all(
      outcomes.map(async (o, i): Promise<AckOutcome> => {
        if (o.ok || o.error !== 'lease_lost') return o;
        const landed = await ackLanded((j) => this.get(j), o.id, sent[i]?.result);
        return landed ? { id: o.id, ok: true } : o;
      }),
    );
  }
}

/** A `lease_lost` answer to a call whose earlier try may have run. */
function lostAfterRetry(err: unknown, trace: Trace): boolean {
  return trace.ambiguous && err instanceof EdgeqApiError && err.code === 'lease_lost';
}
