/**
 * `GET /metrics`: after known operations through the HTTP API, the exposition (read by a real
 * parser) holds the counts those operations imply, job gauges equal to the store's counts, and
 * histograms in the right shape; each admin sees only what its token may see.
 */
import { describe, expect, it } from 'vitest';
import { memoryDriver } from '../../src/drivers/memory/index.js';
import { JOB_STATES } from '../../src/drivers/types.js';
import { RuntimeMetrics } from '../../src/observe/metrics.js';
import { Family, OTHER, render } from '../../src/observe/registry.js';
import { type Harness, harness } from './harness.js';
import { scrape } from './scrape.js';

const ACME = 'acme-admin-token-0123456789';
const ACME_LISTED = 'acme-listed-token-0123456789';
const ACME_CONSUMER = 'acme-consume-token-0123456789';
const tokens = [
  { token: ACME, ns: 'acme', rights: ['admin' as const, 'enqueue' as const] },
  { token: ACME_LISTED, ns: 'acme', rights: ['admin' as const], queues: ['emails'] },
  { token: ACME_CONSUMER, ns: 'acme', rights: ['consume' as const] },
];

async function session(): Promise<Harness> {
  const h = harness(memoryDriver(), {
    tokens,
    runtime: {
      handlers: {
        h: (job) => {
          if (job.payload === 'boom') throw new Error('handler failed');
          return 'done';
        },
      },
    },
  });
  const ok = async (method: string, path: string, opts = {}) => {
    const r = await h.call(method, path, opts);
    expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
    return r.json;
  };
  const q = '/v1/queues/emails';
  await ok('POST', `${q}/jobs`, { body: { payload: 1, key: 'k' } });
  await ok('POST', `${q}/jobs`, { body: { payload: 1, key: 'k' } }); // the same job: not counted
  await ok('POST', `${q}/jobs`, { body: { jobs: [{ payload: 2 }, { payload: 3 }] } });
  await ok('POST', `${q}/jobs`, { token: ACME, body: { payload: 'acme' } });
  const [j1, j2] = (await ok('POST', `${q}/claim`, { body: { limit: 2, leaseMs: 1_000 } })).jobs;
  await ok('POST', `/v1/jobs/${j1.id}/ack`, { body: { leaseToken: j1.leaseToken } });
  expect(
    (await h.call('POST', `/v1/jobs/${j2.id}/ack`, { body: { leaseToken: 'stale' } })).status,
  ).toBe(409);
  await ok('POST', `/v1/jobs/${j2.id}/nack`, { body: { leaseToken: j2.leaseToken, retryInMs: 0 } });
  await ok('POST', `${q}/claim`, { body: { limit: 1, leaseMs: 1_000 } });
  // Reclaims: one lease expires (requeued), one job out of attempts dies, one deadline passes.
  await ok('POST', '/v1/queues/once/jobs', { body: { maxAttempts: 1 } });
  await ok('POST', '/v1/queues/once/claim', { body: { leaseMs: 1_000 } });
  await ok('POST', '/v1/queues/ttl/jobs', { body: { ttlMs: 1_000 } });
  h.clock.now += 5_000;
  await ok('POST', '/v1/tick');
  // The handler: one job completes, one throws.
  await ok('POST', '/v1/queues/h/jobs', {
    body: { jobs: [{ payload: 'fine' }, { payload: 'boom' }] },
  });
  await ok('POST', '/v1/queues/h/drain');
  return h;
}

describe('GET /metrics', () => {
  it('counts what the API did, gauges what the store holds, in Prometheus text format', async () => {
    const h = await session();
    const r = await h.call('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = scrape(r.text);

    expect(m.types.get('edgeq_jobs')).toBe('gauge');
    expect(m.types.get('edgeq_jobs_enqueued_total')).toBe('counter');
    expect(m.types.get('edgeq_claim_duration_seconds')).toBe('histogram');
    expect(m.types.get('edgeq_handler_duration_seconds')).toBe('histogram');
    for (const [name, help] of m.help) expect(help.length, name).toBeGreaterThan(10);

    const d = { ns: 'default' };
    expect(m.value('edgeq_jobs_enqueued_total', { ...d, queue: 'emails' })).toBe(3);
    expect(m.value('edgeq_jobs_enqueued_total', { ns: 'acme', queue: 'emails' })).toBe(1);
    expect(m.value('edgeq_jobs_enqueued_total', { ...d, queue: 'h' })).toBe(2);
    // Claims: two then one on emails, one on `once`; the drain's claims count too.
    expect(m.value('edgeq_jobs_claimed_total', { ...d, queue: 'emails' })).toBe(3);
    expect(m.value('edgeq_jobs_claimed_total', { ...d, queue: 'once' })).toBe(1);
    expect(m.value('edgeq_jobs_claimed_total', { ...d, queue: 'h' })).toBe(2);
    expect(m.value('edgeq_claim_duration_seconds_count', { ...d, queue: 'emails' })).toBe(2);
    expect(m.value('edgeq_jobs_acked_total', { ...d, outcome: 'ok' })).toBe(2); // j1, and the drain's
    expect(m.value('edgeq_jobs_acked_total', { ...d, outcome: 'lease_lost' })).toBe(1);
    expect(m.value('edgeq_jobs_nacked_total', { ...d, outcome: 'queued' })).toBe(2); // j2, and `boom`
    expect(m.value('edgeq_jobs_reclaimed_total', { outcome: 'requeued' })).toBe(1);
    expect(m.value('edgeq_jobs_reclaimed_total', { outcome: 'dead' })).toBe(1);
    expect(m.value('edgeq_jobs_reclaimed_total', { outcome: 'expired' })).toBe(1);
    const handled = (outcome: string) =>
      m.value('edgeq_handler_duration_seconds_count', { ...d, queue: 'h', outcome });
    expect([handled('completed'), handled('failed')]).toEqual([1, 1]);
    expect(
      m.value('edgeq_http_requests_total', {
        ...d,
        method: 'POST',
        route: '/v1/queues/:queue/jobs',
        status: '201',
      }),
    ).toBe(5);
    expect(
      m.value('edgeq_http_requests_total', {
        ...d,
        method: 'POST',
        route: '/v1/jobs/:id/ack',
        status: '409',
      }),
    ).toBe(1);
    expect(m.samples('edgeq_storage_errors_total')).toEqual([]);

    // Gauges: exactly the store's counts, per namespace, queue and state.
    for (const ns of ['default', 'acme']) {
      const queues = await h.rt.queues(ns);
      expect(queues.length).toBeGreaterThan(0);
      for (const q of queues) {
        for (const state of JOB_STATES) {
          const at = { ns, queue: q.name, state };
          expect(m.value('edgeq_jobs', at), JSON.stringify(at)).toBe(q.counts[state]);
        }
        expect(m.value('edgeq_queue_paused', { ns, queue: q.name })).toBe(q.paused ? 1 : 0);
      }
    }
  });

  it('shows a namespaced admin only its namespace, and refuses other tokens', async () => {
    const h = await session();
    const r = await h.call('GET', '/metrics', { token: ACME });
    expect(r.status).toBe(200);
    const m = scrape(r.text);
    const all = [...m.types.keys()].flatMap((name) =>
      ['', '_bucket', '_sum', '_count'].flatMap((s) => m.samples(name + s)),
    );
    expect(all.length).toBeGreaterThan(5);
    for (const s of all) expect(s.labels.ns, JSON.stringify(s)).toBe('acme');
    expect(m.value('edgeq_jobs', { ns: 'acme', queue: 'emails', state: 'queued' })).toBe(1);
    expect(m.samples('edgeq_jobs_reclaimed_total')).toEqual([]);

    const listed = await h.call('GET', '/metrics', { token: ACME_LISTED });
    expect([listed.status, listed.json.error.code]).toEqual([403, 'forbidden']);
    const consumer = await h.call('GET', '/metrics', { token: ACME_CONSUMER });
    expect([consumer.status, consumer.json.error.message]).toEqual([
      403,
      'this token lacks the admin right',
    ]);
    const anonymous = await h.call('GET', '/metrics', { token: null });
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="edgeq"',
    ]);
  });
});

describe('the exposition', () => {
  it('escapes label values and HELP text so a parser reads them back unchanged', () => {
    const hostile = ['quote " here', 'back\\slash', 'line\nfeed', 'all "\\\n of them', 'ünï ☃'];
    const f = new Family('t_total', 'Help with a \\ and a\nnewline.', 'counter', ['v']);
    for (const [i, v] of hostile.entries()) f.inc({ v }, i + 1);
    const m = scrape(render([f]));
    expect(m.help.get('t_total')).toBe('Help with a \\ and a\nnewline.');
    for (const [i, v] of hostile.entries()) expect(m.value('t_total', { v }), v).toBe(i + 1);
  });

  it('writes histograms as cumulative buckets up to +Inf, with _sum and _count', () => {
    const metrics = new RuntimeMetrics();
    const observed = [0.0004, 0.001, 0.0011, 0.02, 0.3, 7, 20];
    for (const s of observed) metrics.claimed('n', 'q', 1, s);
    metrics.claimed('n', 'other', 1, 0.5);
    const m = scrape(render(metrics.families));
    const buckets = m
      .samples('edgeq_claim_duration_seconds_bucket')
      .filter((b) => b.labels.queue === 'q');
    expect(buckets.map((b) => b.labels.le)).toEqual([
      ...metrics.claimSeconds.buckets.map(String),
      '+Inf',
    ]);
    for (const b of buckets) {
      const le = b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le);
      expect(b.value, `le=${b.labels.le}`).toBe(observed.filter((s) => s <= le).length);
    }
    const sum = m.value('edgeq_claim_duration_seconds_sum', { ns: 'n', queue: 'q' });
    expect(sum).toBeCloseTo(
      observed.reduce((a, b) => a + b, 0),
      9,
    );
    expect(m.value('edgeq_claim_duration_seconds_count', { ns: 'n', queue: 'q' })).toBe(7);
    expect(m.value('edgeq_claim_duration_seconds_count', { ns: 'n', queue: 'other' })).toBe(1);
  });

  it('folds queues past the series cap into ~other, so totals stay right', () => {
    const f = new Family('c_total', 'h', 'counter', ['ns', 'queue'], {
      maxSeries: 3,
      foldLabel: 'queue',
    });
    for (let i = 0; i < 10; i++) f.inc({ ns: 'n', queue: `q${i}` }, 2);
    f.inc({ ns: 'n', queue: 'q0' });
    const m = scrape(render([f]));
    expect(m.samples('c_total')).toHaveLength(4);
    expect(m.value('c_total', { ns: 'n', queue: 'q0' })).toBe(3);
    expect(m.value('c_total', { ns: 'n', queue: OTHER })).toBe(14);
    expect(m.samples('c_total').reduce((a, s) => a + s.value, 0)).toBe(21);
  });
});
