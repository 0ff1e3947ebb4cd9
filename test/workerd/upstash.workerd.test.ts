/**
 * The whole driver contract on the Upstash driver running inside workerd: the Workers build of
 * @upstash/redis speaking the Upstash REST protocol to the local endpoint, which runs every
 * command on the machine's real Redis. Each test gets its own key prefix through `/reset`; round
 * trips are the HTTP requests the endpoint served.
 */
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverContract } from '../contract/index.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';
import {
  runtimeOf,
  startWorkerdDriverHost,
  type WorkerdDriverHost,
  warmUp,
} from '../support/workerd-driver.js';

let host: WorkerdDriverHost;
let server: UpstashServer;
beforeAll(async () => {
  server = await startUpstashServer();
  host = await startWorkerdDriverHost({
    DRIVER: 'upstash',
    UPSTASH_REDIS_REST_URL: server.url,
    UPSTASH_REDIS_REST_TOKEN: server.token,
  });
}, 60_000);
afterAll(async () => {
  await host?.close();
  await server?.close();
});

function freshPrefix() {
  const prefix = `{edgeqwd-${Math.random().toString(36).slice(2, 10)}}`;
  return {
    prefix,
    cleanup: async () => {
      const redis = new Redis({ url: server.url, token: server.token });
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
    },
  };
}

describe('upstash driver host', () => {
  it('runs the driver inside workerd, over REST to Redis', async () => {
    const { prefix, cleanup } = freshPrefix();
    try {
      const driver = await host.reset({ EDGEQ_REDIS_PREFIX: prefix });
      expect(await runtimeOf(host)).toBe('Cloudflare-Workers');
      const before = server.requests;
      await warmUp(driver);
      expect(server.requests).toBeGreaterThan(before);
      await driver.close();
    } finally {
      await cleanup();
    }
  });
});

driverContract({
  name: 'upstash',
  capabilities: { durable: true, shared: true, replaySafe: true },
  countsRoundTrips: true,
  factory: async () => {
    const { prefix, cleanup } = freshPrefix();
    const driver = await host.reset({ EDGEQ_REDIS_PREFIX: prefix });
    await warmUp(driver);
    return { driver, roundTrips: () => server.requests, reopen: () => host.newDriver(), cleanup };
  },
});
