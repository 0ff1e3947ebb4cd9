/**
 * Push delivery: a queue bound to an HTTPS endpoint has each job POSTed there by the tick, signed
 * per Standard Webhooks. The binding is a config entry (kind `push`) holding the endpoint and its
 * signing secrets. The URL is checked by the SSRF guard when bound and again at every delivery.
 *
 * Outcome of an attempt: 2xx acks the job; anything else nacks it, to retry after the endpoint's
 * `Retry-After` (capped at the backoff maximum) or else after the usual backoff; a job past its
 * attempts is dead-lettered. The response body is never stored or shown.
 */
import type { ConfigEntry } from '../drivers/types.js';
import { EdgeqError } from '../errors.js';
import { DEFAULT_NAMESPACE } from '../runtime/config.js';
import type { Runtime } from '../runtime/runtime.js';
import { deliver } from './deliver.js';
import { generateSecret } from './sign.js';
import { checkPushUrl, type UrlPolicy } from './ssrf.js';

export interface PushBinding {
  url: string;
  /** Signing secrets (`whsec_...`); several during a key rotation. */
  secrets: string[];
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
}

/** Without the secrets: what the API shows after creation. */
export interface PushView {
  queue: string;
  url: string;
  timeoutMs?: number;
  secrets: number;
}

const KIND = 'push';
/** Jobs delivered concurrently per round. */
const BATCH = 10;

export async function bindPush(
  rt: Runtime,
  queue: string,
  input: { url: string; secrets?: string[]; timeoutMs?: number },
  policy: UrlPolicy,
  ns = DEFAULT_NAMESPACE,
): Promise<PushBinding> {
  const verdict = checkPushUrl(input.url, policy);
  if (!verdict.ok) {
    throw new EdgeqError(
      'invalid_request',
      `push url refused (${verdict.code}): ${verdict.reason}`,
      {
        field: 'url',
      },
    );
  }
  const binding: PushBinding = {
    url: verdict.url.href,
    secrets: input.secrets?.length ? input.secrets : [generateSecret()],
    ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
  };
  const now = rt.now();
  const value = JSON.stringify(binding);
  await rt.call(() => rt.driver.putConfig({ ns, now, kind: KIND, name: queue, value }));
  return binding;
}

export async function unbindPush(
  rt: Runtime,
  queue: string,
  ns = DEFAULT_NAMESPACE,
): Promise<void> {
  if (!(await rt.call(() => rt.driver.deleteConfig({ ns, kind: KIND, name: queue })))) {
    throw new EdgeqError('not_found', `queue ${queue} has no push endpoint`);
  }
}

export async function getPush(
  rt: Runtime,
  queue: string,
  ns = DEFAULT_NAMESPACE,
): Promise<PushView> {
  const entry = (await rt.call(() => rt.driver.configs({ kind: KIND, ns }))).find(
    (e) => e.name === queue,
  );
  if (!entry) throw new EdgeqError('not_found', `queue ${queue} has no push endpoint`);
  return pushView(entry);
}

function pushView(entry: ConfigEntry): PushView {
  const b = JSON.parse(entry.value) as PushBinding;
  return {
    queue: entry.name,
    url: b.url,
    secrets: b.secrets.length,
    ...(b.timeoutMs === undefined ? {} : { timeoutMs: b.timeoutMs }),
  };
}

export interface PushTickResult {
  delivered: number;
  failed: number;
}

/** Delivers the due jobs of every push-bound queue of every namespace, within the budget. */
export async function runPushes(
  rt: Runtime,
  within: () => boolean,
  policy: UrlPolicy,
): Promise<PushTickResult> {
  const out: PushTickResult = { delivered: 0, failed: 0 };
  const entries = await rt.call(() => rt.driver.configs({ kind: KIND }));
  for (const entry of entries) {
    const binding = JSON.parse(entry.value) as PushBinding;
    while (within()) {
      const { jobs } = await rt.claim(entry.name, { limit: BATCH }, entry.ns);
      if (!jobs.length) break;
      await Promise.all(
        jobs.map(async (job) => {
          const body = JSON.stringify({
            id: job.id,
            queue: job.queue,
            payload: job.payload,
            attempt: job.attempt,
            maxAttempts: job.maxAttempts,
            createdAt: job.createdAt,
          });
          const r = await deliver({
            url: binding.url,
            policy,
            secrets: binding.secrets,
            // The job id: the same across retries, so receivers can deduplicate by it.
            id: job.id,
            body,
            nowSeconds: Math.floor(rt.now() / 1000),
            ...(binding.timeoutMs === undefined ? {} : { timeoutMs: binding.timeoutMs }),
          });
          const lease = { leaseToken: job.leaseToken };
          if (r.ok) {
            out.delivered++;
            await rt.ack(job.id, lease, entry.ns).catch(() => {});
            return;
          }
          out.failed++;
          const retry =
            r.retryAfterMs === undefined
              ? {}
              : { retryInMs: Math.min(r.retryAfterMs, rt.limits.backoffMaxMs) };
          const error = `push to ${new URL(binding.url).host} failed: ${r.error ?? `HTTP ${r.status}`}`;
          await rt.nack(job.id, { ...lease, error, ...retry }, entry.ns).catch(() => {});
        }),
      );
    }
  }
  return out;
}
