/**
 * `EdgeqClient`: a typed client for every route of the HTTP API. The producer and consumer
 * routes live in ./jobs.ts; this adds the operator routes (queues, settings, listing, dead
 * letters, push, drain, tick, schedules).
 *
 * Every operator call is retried on transient failures (./http.ts): each is a read, a replace
 * (PUT), or an action whose repeat changes nothing more (pause, cancel, tick). Two answers can
 * differ after a retry whose first try had run: `replay` counts only what the last try replayed,
 * and `putSchedule` may say `created: false`. A delete whose retry finds nothing (404) after a
 * try that may have run counts as done.
 */
import { EdgeqApiError } from './errors.js';
import type { CallOptions, ClientOptions, Trace } from './http.js';
import { EdgeqJobsClient, seg } from './jobs.js';
import type {
  CancelResult,
  DrainResult,
  JobPage,
  JobView,
  ListInput,
  OpenApiDocument,
  PageInput,
  PausedResult,
  PushBindResult,
  PushDeleteResult,
  PushInput,
  PushView,
  QueueDetail,
  QueueSettingsInput,
  QueueSettingsResult,
  QueuesResult,
  ReplayResult,
  ScheduleDeleteResult,
  ScheduleInput,
  SchedulePutResult,
  SchedulesResult,
  ScheduleView,
  TickResult,
} from './types.js';

/**
 * A client for the edgeq HTTP API. Only `fetch`, `AbortController`, timers and `crypto` are used,
 * so it runs in Workers, Node, Deno, Bun and browsers.
 *
 * @example
 * import { EdgeqClient } from 'edgeq/client';
 * const client = new EdgeqClient({ url: 'https://queue.example.com', token: env.EDGEQ_TOKEN });
 * await client.enqueue('emails', { payload: { to: 'ada@example.com' }, delayMs: 60_000 });
 * const { counts } = await client.queue('emails');
 */
export class EdgeqClient extends EdgeqJobsClient {
  /** Cancels a scheduled or queued job (409 `conflict` for an active or finished one). */
  cancel(id: string, call?: CallOptions): Promise<CancelResult> {
    return this.send({ method: 'DELETE', path: `/v1/jobs/${seg(id)}`, retry: true, call });
  }

  /** Every queue of the token's namespace (only its own queues for a token with a queue list). */
  queues(call?: CallOptions): Promise<QueuesResult> {
    return this.send({ method: 'GET', path: '/v1/queues', retry: true, call });
  }

  /** One queue's counts, paused flag and settings (with where they come from). */
  queue(queue: string, call?: CallOptions): Promise<QueueDetail> {
    return this.send({ method: 'GET', path: `/v1/queues/${seg(queue)}`, retry: true, call });
  }

  /** Replaces a queue's stored settings; `{}` removes them (409 for a queue set in code). */
  putQueueSettings(
    queue: string,
    settings: QueueSettingsInput,
    call?: CallOptions,
  ): Promise<QueueSettingsResult> {
    const path = `/v1/queues/${seg(queue)}`;
    return this.send({ method: 'PUT', path, body: settings, retry: true, call });
  }

  /** Stops claims from the queue; enqueues still succeed. */
  pause(queue: string, call?: CallOptions): Promise<PausedResult> {
    const path = `/v1/queues/${seg(queue)}/pause`;
    return this.send({ method: 'POST', path, retry: true, call });
  }

  resume(queue: string, call?: CallOptions): Promise<PausedResult> {
    const path = `/v1/queues/${seg(queue)}/resume`;
    return this.send({ method: 'POST', path, retry: true, call });
  }

  /** One page of the queue's jobs in a state, in id (creation) order. */
  listJobs(queue: string, input: ListInput, call?: CallOptions): Promise<JobPage> {
    return this.send({
      method: 'GET',
      path: `/v1/queues/${seg(queue)}/jobs`,
      query: { state: input.state, limit: input.limit, cursor: input.cursor },
      retry: true,
      call,
    });
  }

  /**
   * Every job of the queue in a state, page after page (`limit` per request).
   *
   * @example
   * for await (const job of client.allJobs('emails', { state: 'dead' })) console.log(job.lastError);
   */
  async *allJobs(
    queue: string,
    input: Omit<ListInput, 'cursor'>,
    call?: CallOptions,
  ): AsyncGenerator<JobView, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listJobs(queue, { ...input, cursor }, call);
      yield* page.jobs;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /** One page of the queue's dead jobs, with `lastError`. */
  dead(queue: string, page: PageInput = {}, call?: CallOptions): Promise<JobPage> {
    return this.send({
      method: 'GET',
      path: `/v1/queues/${seg(queue)}/dead`,
      query: { limit: page.limit, cursor: page.cursor },
      retry: true,
      call,
    });
  }

  /** Moves dead jobs (these ids, or all of them) back to the queue, from attempt 0. */
  replay(queue: string, ids?: string[], call?: CallOptions): Promise<ReplayResult> {
    return this.send({
      method: 'POST',
      path: `/v1/queues/${seg(queue)}/dead/replay`,
      body: ids ? { ids } : {},
      retry: true,
      call,
    });
  }

  /** The queue's push endpoint (the number of secrets, not the secrets). */
  getPush(queue: string, call?: CallOptions): Promise<PushView> {
    return this.send({ method: 'GET', path: `/v1/queues/${seg(queue)}/push`, retry: true, call });
  }

  /** Binds the queue to a push endpoint; the answer is the only time its secrets are shown. */
  putPush(queue: string, input: PushInput, call?: CallOptions): Promise<PushBindResult> {
    const path = `/v1/queues/${seg(queue)}/push`;
    return this.send({ method: 'PUT', path, body: input, retry: true, call });
  }

  async deletePush(queue: string, call?: CallOptions): Promise<PushDeleteResult> {
    const path = `/v1/queues/${seg(queue)}/push`;
    await this.#delete(path, call);
    return { queue, push: null };
  }

  /** Runs the queue's in-process handler now (404 when the server registers none for it). */
  drain(queue: string, call?: CallOptions): Promise<DrainResult> {
    const path = `/v1/queues/${seg(queue)}/drain`;
    return this.send({ method: 'POST', path, retry: true, call });
  }

  /** The scheduled work, run now, across every namespace (admin of `default` only). */
  tick(call?: CallOptions): Promise<TickResult> {
    return this.send({ method: 'POST', path: '/v1/tick', retry: true, call });
  }

  schedules(call?: CallOptions): Promise<SchedulesResult> {
    return this.send({ method: 'GET', path: '/v1/schedules', retry: true, call });
  }

  schedule(name: string, call?: CallOptions): Promise<ScheduleView> {
    return this.send({ method: 'GET', path: `/v1/schedules/${seg(name)}`, retry: true, call });
  }

  /**
   * Creates or replaces a cron schedule.
   *
   * @example
   * await client.putSchedule('nightly', { cron: '0 3 * * *', tz: 'Europe/Paris', queue: 'reports' });
   */
  async putSchedule(
    name: string,
    input: ScheduleInput,
    call?: CallOptions,
  ): Promise<SchedulePutResult> {
    const path = `/v1/schedules/${seg(name)}`;
    const res = await this.http.request<ScheduleView>({
      method: 'PUT',
      path,
      body: input,
      retry: true,
      call,
    });
    return { schedule: res.data, created: res.status === 201 };
  }

  async deleteSchedule(name: string, call?: CallOptions): Promise<ScheduleDeleteResult> {
    await this.#delete(`/v1/schedules/${seg(name)}`, call);
    return { name, deleted: true };
  }

  pauseSchedule(name: string, call?: CallOptions): Promise<ScheduleView> {
    const path = `/v1/schedules/${seg(name)}/pause`;
    return this.send({ method: 'POST', path, retry: true, call });
  }

  resumeSchedule(name: string, call?: CallOptions): Promise<ScheduleView> {
    const path = `/v1/schedules/${seg(name)}/resume`;
    return this.send({ method: 'POST', path, retry: true, call });
  }

  /** The API's OpenAPI 3.1 document (`GET /openapi.json`, no auth; served when the app mounts it). */
  openapi(call?: CallOptions): Promise<OpenApiDocument> {
    return this.send({ method: 'GET', path: '/openapi.json', retry: true, call });
  }

  /** `GET /metrics`: Prometheus text (admin token without a queue list). */
  metrics(call?: CallOptions): Promise<string> {
    return this.send({ method: 'GET', path: '/metrics', retry: true, text: true, call });
  }

  /** A DELETE whose retry finds nothing (404) after a try that may have run: done. */
  async #delete(path: string, call: CallOptions | undefined): Promise<void> {
    const trace: Trace = { ambiguous: false };
    try {
      await this.http.request({ method: 'DELETE', path, retry: true, call, trace });
    } catch (err) {
      if (trace.ambiguous && err instanceof EdgeqApiError && err.code === 'not_found') return;
      throw err;
    }
  }
}

/** `new EdgeqClient(opts)`. */
export function createClient(opts: ClientOptions): EdgeqClient {
  return new EdgeqClient(opts);
}
