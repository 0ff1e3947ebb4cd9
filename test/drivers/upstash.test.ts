/**
 * The contract suite on the Upstash driver: the real @upstash/redis client, over the Upstash REST
 * protocol (test/support/upstash-server.ts), on the machine's real Redis. Each test gets its own
 * key prefix (so sweeps across namespaces see only its keys); round trips are the HTTP requests
 * the endpoint served.
 */
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll } from 'vitest';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import { driverContract } from '../contract/index.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';

let server: UpstashServer;
beforeAll(async () => {
  server = await startUpstashServer();
});
afterAll(async () => {
  await server?.close();
});

driverContract({
  name: 'upstash',
  capabilities: { durable: true, shared: true, replaySafe: true },
  countsRoundTrips: true,
  factory: async () => {
    const prefix = `{edgeqtest-${Math.random().toString(36).slice(2, 10)}}`;
    const open = () => upstashDriver({ url: server.url, token: server.token, prefix });
    const driver = open();
    await driver.loadScripts();
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: async () => open(),
      cleanup: async () => {
        const redis = new Redis({ url: server.url, token: server.token });
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      },
    };
  },
});
