/**
 * One HTTP call to the API, with a per-try timeout and retries. Uses only `fetch`,
 * `AbortController` and timers, so it runs unchanged in Workers, Node, Deno, Bun and browsers.
 *
 * A call is retried only when the method says repeating it is safe (`retry: true`), and only on
 * failures that may be transient: no HTTP answer (network error, timeout), 429, 502, 503, 504.
 * Never on 500 (a bug, not a blip) or any other 4xx. The delay grows exponentially with jitter;
 * a `Retry-After` is honoured, and one longer than `maxRetryDelayMs` ends the retries at once, so
 * the caller sees `retryAfterMs` and decides.
 */
import { apiError, EdgeqApiError, type EdgeqClientError, EdgeqNetworkError } from './errors.js';
import { backoff, sleep } from './timing.js';

/** What the client passes to `fetch`: a subset every fetch implementation accepts. */
export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** What the client reads from a response: a subset of the standard `Response`. */
export interface FetchResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A fetch implementation: the global one, undici's, a Worker's service binding's... */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

/** Options of `new EdgeqClient(...)` (and of `createWorker`, which builds one). */
export interface ClientOptions {
  /** Base URL of the API, e.g. `https://queue.example.com` (no `/v1`). */
  url: string;
  /** Bearer token (`EDGEQ_TOKEN` or a scoped one); omit for a server without auth. */
  token?: string;
  /** Custom fetch (default: the global `fetch`, looked up at each call). */
  fetch?: FetchLike;
  /** Per-try timeout in ms, reading the body included (default 30,000). */
  timeoutMs?: number;
  /** Retries after the first try, for calls that are safe to repeat (default 2). */
  retries?: number;
  /** First retry delay in ms; doubles per retry, with jitter (default 100). */
  retryDelayMs?: number;
  /** Longest retry delay in ms; a longer `Retry-After` is not waited for (default 5,000). */
  maxRetryDelayMs?: number;
  /**
   * Mint an idempotency key for each enqueued job that has none (and is not a debounce), so a
   * retried enqueue cannot store a job twice (default true). With false, such enqueues are not
   * retried.
   */
  autoKeys?: boolean;
}

/** Per-call overrides, the last argument of every client method. */
export interface CallOptions {
  /** Aborts the call (and its retries); the call rejects with the signal's reason. */
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

/** Filled in by `request` for callers that must know whether an earlier try may have run. */
export interface Trace {
  /**
   * True once a failed try may have been executed by the server (no answer, a timeout, 502,
   * 503, 504): the call's effect may already have happened. A 429 is refused before any work.
   */
  ambiguous: boolean;
}

/** One call as the client methods describe it to `Http.request`. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Whether repeating the call is safe. */
  retry: boolean;
  /** The success body as text instead of JSON (`GET /metrics`). */
  text?: boolean;
  call?: CallOptions | undefined;
  trace?: Trace;
}

/** A success: its status (201 vs 200 matters to `putSchedule`) and body. */
export interface Reply<T> {
  status: number;
  data: T;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);

/** The transport every client method goes through: base URL, auth header, timeouts, retries. */
export class Http {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #delayMs: number;
  readonly #maxDelayMs: number;

  constructor(opts: ClientOptions) {
    if (typeof opts.url !== 'string' || !/^https?:\/\//i.test(opts.url)) {
      throw new TypeError('edgeq client: url must be an http(s) URL');
    }
    this.#base = opts.url.replace(/\/+$/, '');
    this.#headers = {};
    if (opts.token) this.#headers.authorization = `Bearer ${opts.token}`;
    // Looked up per call, never stored unbound: workerd throws "Illegal invocation" for a
    // detached global fetch.
    this.#fetch = opts.fetch ?? ((url, init) => fetch(url, init));
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#retries = opts.retries ?? 2;
    this.#delayMs = opts.retryDelayMs ?? 100;
    this.#maxDelayMs = opts.maxRetryDelayMs ?? 5_000;
  }

  async request<T>(spec: RequestSpec): Promise<Reply<T>> {
    let url = this.#base + spec.path;
    if (spec.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(spec.query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s) url += `?${s}`;
    }
    const headers =
      spec.body === undefined
        ? this.#headers
        : { ...this.#headers, 'content-type': 'application/json' };
    // Serialized once, before the first try: a value that is not JSON fails here, not mid-retry.
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const retries = spec.retry ? (spec.call?.retries ?? this.#retries) : 0;
    const timeoutMs = spec.call?.timeoutMs ?? this.#timeoutMs;
    const signal = spec.call?.signal;
    for (let attempt = 1; ; attempt++) {
      const where = { method: spec.method, path: spec.path, attempts: attempt };
      let err: EdgeqClientError;
      try {
        const { res, text } = await this.#once(url, spec.method, headers, body, timeoutMs, signal);
        if (res.status < 200 || res.status >= 300) err = apiError(res, text, where);
        else if (spec.text) return { status: res.status, data: text as T };
        else {
          const data = json<T>(text);
          if (data !== undefined) return { status: res.status, data };
          err = apiError(res, text, where); // a 2xx that is not JSON: a proxy, not edgeq
        }
      } catch (e) {
        if (!(e instanceof EdgeqNetworkError)) throw e; // the caller's abort, or a bad body
        err = e;
        err.attempts = attempt;
      }
      const delay = this.#retryDelay(err, attempt, retries);
      if (delay === undefined) throw err;
      if (spec.trace && !(err instanceof EdgeqApiError && err.status === 429)) {
        spec.trace.ambiguous = true;
      }
      await sleep(delay, signal);
    }
  }

  /** The delay before the next try, or undefined when the error is final. */
  #retryDelay(err: EdgeqClientError, attempt: number, retries: number): number | undefined {
    if (attempt > retries) return undefined;
    if (err instanceof EdgeqApiError) {
      if (!RETRY_STATUS.has(err.status)) return undefined;
      if (err.retryAfterMs !== undefined) {
        return err.retryAfterMs > this.#maxDelayMs ? undefined : err.retryAfterMs;
      }
    }
    return backoff(attempt - 1, this.#delayMs, this.#maxDelayMs);
  }

  /** One try: the response and its whole body, within `timeoutMs`. */
  async #once(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<{ res: FetchResponse; text: string }> {
    if (signal?.aborted) throw signal.reason;
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, timeoutMs);
    const onAbort = () => ctrl.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const path = url.slice(this.#base.length).split('?', 1)[0]!;
    try {
      const init: FetchInit = { method, headers, signal: ctrl.signal };
      if (body !== undefined) init.body = body;
      const res = await this.#fetch(url, init);
      return { res, text: await res.text() };
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      const where = { method, path, attempts: 1 };
      if (timedOut) {
        throw new EdgeqNetworkError(
          'timeout',
          `${method} ${path} got no answer within ${timeoutMs} ms`,
          where,
          cause,
        );
      }
      throw new EdgeqNetworkError(
        'network_error',
        `${method} ${path} failed: ${describe(cause)}`,
        where,
        cause,
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** A success body (an empty one is `{}`), or undefined when it is not JSON. */
function json<T>(text: string): T | undefined {
  if (text === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A transport failure in a few words: the message, and the system code fetch hides in `cause`. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return message + code;
}
