/**
 * One signed push delivery attempt. Never throws: every outcome is a `DeliveryResult`.
 *
 * What it guarantees:
 * - The URL passes `checkPushUrl` (SSRF guard) at THIS attempt, or nothing is sent.
 * - The request is a POST of `body` as `application/json`, signed per Standard Webhooks with
 *   every given secret (see sign.ts), with `id` as `webhook-id` (stable across retries, so the
 *   receiver can de-duplicate).
 * - Redirects are never followed (`redirect: 'manual'`): a 3xx is a failure. Following one would
 *   send the signed payload to a URL the guard never saw, e.g. http://169.254.169.254/.
 * - The whole attempt, response body included, is bounded by `timeoutMs`; at most 64 KiB of the
 *   response body is read (to let the connection close cleanly) and the stream is cancelled past
 *   that. The body is discarded: results carry a status and a short error, never response
 *   content, so a hostile endpoint cannot reflect data into logs or dashboards.
 * - Success is a 2xx status. 429 and 503 with a `Retry-After` (delta-seconds or HTTP-date,
 *   taken relative to `nowSeconds`) report `retryAfterMs`; clamping it is the caller's policy.
 */
import { sign } from './sign.js';
import { checkPushUrl, type UrlPolicy } from './ssrf.js';

export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface DeliveryResult {
  ok: boolean;
  status?: number;
  retryAfterMs?: number;
  /** Short, e.g. `HTTP 500`, `timeout`; never the response body. */
  error?: string;
  durationMs: number;
}

export interface DeliverOptions {
  url: string;
  policy?: UrlPolicy;
  secrets: string[];
  /** The message id (`webhook-id`), the same on every attempt. */
  id: string;
  body: string;
  /** Unix time in seconds: the signature timestamp and the base for Retry-After dates. */
  nowSeconds: number;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export async function deliver(opts: DeliverOptions): Promise<DeliveryResult> {
  const started = Date.now();
  const done = (r: Omit<DeliveryResult, 'durationMs'>): DeliveryResult => ({
    ...r,
    durationMs: Date.now() - started,
  });

  const verdict = checkPushUrl(opts.url, opts.policy);
  if (!verdict.ok)
    return done({ ok: false, error: `refused (${verdict.code}): ${verdict.reason}` });

  let headers: Record<string, string>;
  try {
    headers = await sign({
      id: opts.id,
      timestamp: opts.nowSeconds,
      body: opts.body,
      secrets: opts.secrets,
    });
  } catch (err) {
    return done({ ok: false, error: `not signed: ${(err as Error).message}` });
  }

  const fetchImpl = opts.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await fetchImpl(verdict.url.href, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'edgeq-push' },
      body: opts.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
  } catch (err) {
    return done({ ok: false, error: describe(err) });
  }

  // Drain (bounded) before deciding, so the attempt is over when we return. Errors while
  // draining (timeout, reset) do not change the outcome: the status was already received.
  await drain(res.body, MAX_RESPONSE_BYTES);

  const status = res.status;
  if (res.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
    return done({ ok: false, status, error: `redirect not followed (${status || 'opaque'})` });
  }
  if (status >= 200 && status < 300) return done({ ok: true, status });
  const result: Omit<DeliveryResult, 'durationMs'> = { ok: false, status, error: `HTTP ${status}` };
  if (status === 429 || status === 503) {
    const after = retryAfterMs(res.headers.get('retry-after'), opts.nowSeconds);
    if (after !== undefined) result.retryAfterMs = after;
  }
  return done(result);
}

/** Parse `Retry-After`: delta-seconds or an HTTP-date (relative to `nowSeconds`). */
export function retryAfterMs(value: string | null, nowSeconds: number): number | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined; // a date has a weekday/month name
  // asctime-date carries no zone but means GMT; Date.parse would read it as local time.
  const asctime = /^[a-z]{3} [a-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/i.test(v);
  const at = Date.parse(asctime ? `${v} GMT` : v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowSeconds * 1000);
}

async function drain(body: ReadableStream<Uint8Array> | null, cap: number): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read >= cap) break;
    }
  } catch {
    // Timed out or reset while reading: nothing more to read.
  }
  // Past the cap (or broken): cancel without waiting, which closes the connection.
  reader.cancel().catch(() => {});
}

function describe(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  // Node puts a syscall code on the cause (ECONNREFUSED, ENOTFOUND...): short and safe to log.
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code)
    ? `network error (${code})`
    : 'network error';
}
