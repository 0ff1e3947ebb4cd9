/**
 * The whole driver contract on the in-memory driver running inside workerd: the driver's code is
 * bundled by wrangler into test/workerd/driver-worker.ts and every call crosses into Miniflare.
 * One workerd per file; each test gets a fresh driver through `/reset`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverContract } from '../contract/index.js';
import {
  runtimeOf,
  startWorkerdDriverHost,
  type WorkerdDriverHost,
  warmUp,
} from '../support/workerd-driver.js';

let host: WorkerdDriverHost;
beforeAll(async () => {
  host = await startWorkerdDriverHost({ DRIVER: 'memory' });
}, 60_000);
afterAll(() => host?.close());

describe('memory driver host', () => {
  it('runs the driver inside workerd', async () => {
    await host.reset();
    expect(await runtimeOf(host)).toBe('Cloudflare-Workers');
  });
});

driverContract({
  name: 'memory',
  capabilities: { durable: false, shared: false, replaySafe: false },
  countsRoundTrips: false,
  factory: async () => {
    const driver = await host.reset();
    await warmUp(driver);
    return { driver };
  },
});
