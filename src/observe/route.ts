/**
 * `GET /metrics`: Prometheus text exposition (format 0.0.4) of this instance's counters and
 * histograms, plus jobs by queue and state, read from the store at scrape time.
 *
 * Behind an admin token without a queue list, like schedules. An admin of namespace `default`
 * sees every namespace (the job gauges of each configured one, one storage read each) and the
 * instance-wide series (reclaims, storage errors, requests before auth); any other admin sees
 * only the series labelled with its own namespace.
 *
 * @example
 * curl -s localhost:8787/metrics -H "authorization: Bearer $EDGEQ_TOKEN"
 * # edgeq_jobs{ns="default",queue="emails",state="queued"} 3
 */
import { Hono } from 'hono/tiny';
import type { AppEnv } from '../handlers/auth.js';
import { guard, nsOf } from '../handlers/scope.js';
import { DEFAULT_NAMESPACE } from '../runtime/config.js';
import type { Runtime } from '../runtime/runtime.js';
import { Family, render, type Series } from './registry.js';

/** What Prometheus expects from a text-format target. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `edgeq_jobs` and `edgeq_queue_paused` for `namespaces`, read now. */
async function gauges(rt: Runtime, namespaces: readonly string[]): Promise<Family[]> {
  // Not capped: these are the queues the store holds, built afresh for this one scrape.
  const unbounded = { maxSeries: Number.POSITIVE_INFINITY };
  const jobs = new Family(
    'edgeq_jobs',
    'Jobs by queue and state, read from the store at scrape time.',
    'gauge',
    ['ns', 'queue', 'state'],
    unbounded,
  );
  const paused = new Family(
    'edgeq_queue_paused',
    'Whether the queue is paused (1) or not (0), read from the store at scrape time.',
    'gauge',
    ['ns', 'queue'],
    unbounded,
  );
  const read = await Promise.all(namespaces.map(async (ns) => ({ ns, qs: await rt.queues(ns) })));
  for (const { ns, qs } of read) {
    for (const q of qs) {
      paused.set({ ns, queue: q.name }, q.paused ? 1 : 0);
      for (const [state, n] of Object.entries(q.counts)) jobs.set({ ns, queue: q.name, state }, n);
    }
  }
  return [jobs, paused];
}

/**
 * The metrics route. `namespaces` are the ones a `default` admin's scrape reads job counts of:
 * `default` and every configured token's.
 */
export function metricsRoutes(rt: Runtime, namespaces: readonly string[]): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const all = [...new Set([DEFAULT_NAMESPACE, ...namespaces])];
  app.get('/metrics', guard('admin', 'namespace'), async (c) => {
    const ns = nsOf(c);
    const global = ns === DEFAULT_NAMESPACE;
    const families = [...(await gauges(rt, global ? all : [ns])), ...rt.metrics.families];
    const keep = global ? undefined : (s: Series) => s.labels.ns === ns;
    return c.body(render(families, keep), 200, { 'content-type': METRICS_CONTENT_TYPE });
  });
  return app;
}
