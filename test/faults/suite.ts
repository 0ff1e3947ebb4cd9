/**
 * The transport-fault scenarios, run by each test/faults/*.test.ts on one networked driver:
 * 1. a concurrent workload with faults at a few % of requests, then a drain with faults off,
 *    checked by the history checker (all anomalies zero), and every fault accounted for;
 * 2. the store down (connections refused) and stalled past the client timeout: every route of the
 *    HTTP API answers 503 `driver_unavailable`, and nothing it answered 503 for was stored;
 * 3. a response lost after execution: what the caller can and cannot know, and that a retry
 *    with the same idempotency key is safe.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRuntime } from '../../src/runtime/runtime.js';
import { type Api, makeApi, TOKEN } from '../support/api.js';
import { type Faults, injected } from '../support/faults.js';
import { describeAnomalies, History, noAnomalies } from '../support/history.js';
import {
  HANDLER_QUEUE,
  LEASE_TOKEN,
  matches,
  registered,
  SECRET,
  STORELESS,
  storedState,
  storeRoutes,
} from './routes.js';
import type { FaultyStore } from './stores.js';
import { run, settle, snapshot, type Workload } from './workload.js';

const T0 = Date.UTC(2026, 0, 1);
/** Short backoffs so the drain's clock jumps stay far from the completed-job retention. */
const LIMITS = { maxAttempts: 20, backoffBaseMs: 10, backoffMaxMs: 100 };
/** A few % of requests each: reset, 503, stalled, executed but answer lost. */
const MIXED: Faults = { refuseRate: 0.02, errorRate: 0.03, stallRate: 0.01, dropAfterRate: 0.04 };
const WORKLOAD: Workload = { queue: 'faults', producers: 4, jobsPerProducer: 50, claimers: 8 };

export function transportFaults(make: (seed: number) => Promise<FaultyStore>): void {
  let store: FaultyStore;
  beforeAll(async () => {
    store = await make(7);
  });
  afterAll(async () => {
    await store?.close();
  });

  const off = () => {
    store.endpoint.faults = {};
  };

  it('concurrent enqueue/claim/ack with faults on: the checker counts zero, every fault accounted for', async () => {
    const clock = { now: T0 };
    const rt = createRuntime({ driver: store.driver, now: () => clock.now, limits: LIMITS });
    const history = new History(() => clock.now);
    const before = injected(store.endpoint.stats);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      store.endpoint.faults = { ...MIXED };
      const faulty = await run(rt, history, WORKLOAD);
      off();
      const faults = injected(store.endpoint.stats) - before;
      const drained = await settle(rt, history, clock, WORKLOAD);
      const report = history.check(await snapshot(rt, WORKLOAD.queue));

      if (process.env.EDGEQ_FAULTS_VERBOSE) {
        console.info(
          store.name,
          JSON.stringify({ stats: store.endpoint.stats, faulty, drained, report: report.stats }),
        );
      }
      expect(describeAnomalies(report)).toBe('');
      expect(report.counts).toEqual(noAnomalies());
      // Not vacuous: nearly every job was stored and completed (lost = 0 covers each one whose
      // enqueue was acknowledged; the rest had three unknown enqueues in a row).
      expect(report.stats.completed).toBeGreaterThanOrEqual(
        WORKLOAD.producers * WORKLOAD.jobsPerProducer * 0.9,
      );
      // The faults really happened, and no call answered with anything but a result or an
      // EdgeqError (a stray exception would be a wrong answer, not a failure).
      expect(faults).toBeGreaterThan(20);
      expect(faulty.strays).toEqual([]);
      expect(drained.unknown + drained.failed).toBe(0);
      if (store.clientRetries) {
        // Lost responses and resets are re-sent by the client and answered by the replay-safe
        // scripts: fewer calls fail than faults were injected. A 503 or a stall is not re-sent:
        // each fails at least one call (auto-pipelining may fold several calls into it).
        const { errored, stalled } = store.endpoint.stats;
        expect(faulty.unknown).toBeLessThan(faults);
        expect(faulty.unknown).toBeGreaterThanOrEqual(errored + stalled);
      } else {
        // One call is one request and the client never re-sends: each fault surfaced as exactly
        // one failed call, so no fault was turned into a wrong answer.
        expect(faulty.unknown).toBe(faults);
      }
    } finally {
      off();
      quiet.mockRestore();
    }
  }, 60_000);

  describe('store down', () => {
    let api: Api;
    const logged: string[] = [];
    beforeAll(() => {
      api = makeApi(store.driver, LIMITS, { handlers: { [HANDLER_QUEUE]: async () => {} } });
    });

    /** Calls every route with `faults` on; returns the answers, then turns faults off. */
    async function outage(faults: Faults) {
      const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
        logged.push(a.map(String).join(' '));
      });
      store.endpoint.faults = faults;
      try {
        const routes = storeRoutes();
        const answers = await Promise.all(
          routes.map(async (r) => ({ route: r, res: await api.call(r.method, r.path, r.body) })),
        );
        const storeless = await Promise.all(STORELESS.map((r) => api.call(r.method, r.path)));
        return { answers, storeless };
      } finally {
        off();
        spy.mockRestore();
      }
    }

    async function expectOutage(faults: Faults) {
      const { answers, storeless } = await outage(faults);
      for (const { route, res } of answers) {
        const where = `${route.method} ${route.path}`;
        expect({ where, status: res.status }).toEqual({ where, status: 503 });
        expect(res.json).toEqual({
          error: { code: 'driver_unavailable', message: expect.any(String) },
        });
        // No stack, cause, payload or token in the answer.
        expect(res.text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+|cause|ECONN|fetch failed/i);
        expect(res.text).not.toContain(SECRET);
        expect(res.text).not.toContain(TOKEN);
      }
      expect(storeless.map((r) => r.status)).toEqual([200, 200]);
      // Back up: nothing the API answered 503 for was stored.
      expect(await storedState(store.driver, api.clock.now)).toEqual({
        jobs: [],
        configs: [],
        paused: [],
      });
    }

    it('the route table covers every route of the app', () => {
      const calls = [...storeRoutes(), ...STORELESS];
      const missing = registered(api.app).filter((route) => {
        const [method, pattern] = route.split(' ') as [string, string];
        return !calls.some((c) => c.method === method && matches(pattern, c.path));
      });
      expect(missing).toEqual([]);
    });

    it('refusing connections: every route answers 503 driver_unavailable and stores nothing', async () => {
      await expectOutage({ down: true });
      // Recovered: the same API (and client) works again.
      const res = await api.call('POST', '/v1/queues/recovered/jobs', { payload: 1 });
      expect(res.status).toBe(201);
    }, 30_000);

    it('stalled past the client timeout: every route answers 503 driver_unavailable and stores nothing', async () => {
      await expectOutage({ stallRate: 1 });
    }, 30_000);

    it("the outages' log lines name the failure, never a payload, a lease token or a secret", () => {
      expect(logged.length).toBeGreaterThan(0);
      const log = logged.join('\n');
      for (const secret of [SECRET, TOKEN, LEASE_TOKEN, 'whsec_']) {
        expect(log).not.toContain(secret);
      }
    });
  });

  it('a response lost after execution: 503 (or a retried 2xx), the write happened, a keyed retry is safe', async () => {
    const api = makeApi(store.driver, LIMITS);
    const q = '/v1/queues/lost';
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Enqueue: the store ran it, the answer was lost.
      store.endpoint.faults = { cues: ['drop-after'] };
      const first = await api.call('POST', `${q}/jobs`, { payload: { n: 1 }, key: 'order-1' });
      off();
      const stored = await api.call('GET', `${q}/jobs?state=queued`);
      expect(stored.json.jobs).toHaveLength(1);
      const id = stored.json.jobs[0].id;
      if (store.clientRetries) {
        // The client re-sent it; the script recognised its own re-run and answered as before.
        expect([first.status, first.json.id]).toEqual([201, id]);
      } else {
        // The caller was told 503 although the job was stored: the outcome is unknown to it.
        expect([first.status, first.json.error.code]).toEqual([503, 'driver_unavailable']);
      }
      // Retrying with the same idempotency key returns the stored job, never a second one.
      const retry = await api.call('POST', `${q}/jobs`, { payload: { n: 1 }, key: 'order-1' });
      expect([retry.status, retry.json.id, retry.json.created]).toEqual([200, id, false]);

      // Ack: completed by a call whose answer was lost.
      const claim = await api.call('POST', `${q}/claim`, { limit: 1 });
      const leaseToken = claim.json.jobs[0].leaseToken;
      store.endpoint.faults = { cues: ['drop-after'] };
      const ack = await api.call('POST', `/v1/jobs/${id}/ack`, { leaseToken });
      off();
      const again = await api.call('POST', `/v1/jobs/${id}/ack`, { leaseToken });
      const job = await api.call('GET', `/v1/jobs/${id}`);
      expect(job.json.state).toBe('completed');
      if (store.clientRetries) {
        expect(ack.status).toBe(200);
      } else {
        // The first ack did complete the job; re-sending it is fenced (409), and GET /jobs/:id
        // is how the caller learns the job is done.
        expect(ack.status).toBe(503);
      }
      expect(again.status).toBe(409);
      expect((await api.call('GET', q)).json.counts).toMatchObject({ completed: 1, queued: 0 });
    } finally {
      off();
      quiet.mockRestore();
    }
  });
}
