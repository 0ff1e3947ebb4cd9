/**
 * The whole driver contract on the libSQL driver running inside workerd, where `@libsql/client`
 * is its web build speaking Hrana over HTTP (the Turso path, and the only one Workers have). Each
 * test gets its own Hrana server on a fresh SQLite file; its URL reaches the Worker through
 * `/reset`, so one workerd serves the whole file. Round trips are the HTTP requests the Hrana
 * server served, as in test/drivers/libsql.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverContract } from '../contract/index.js';
import { startHranaServer } from '../support/hrana-server.js';
import {
  runtimeOf,
  startWorkerdDriverHost,
  type WorkerdDriverHost,
  warmUp,
} from '../support/workerd-driver.js';

const SECRET = 'hrana-secret';

let host: WorkerdDriverHost;
beforeAll(async () => {
  host = await startWorkerdDriverHost({ DRIVER: 'libsql', LIBSQL_AUTH_TOKEN: SECRET });
}, 60_000);
afterAll(() => host?.close());

async function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), 'edgeq-workerd-libsql-'));
  const server = await startHranaServer({ path: join(dir, 'q.db'), authToken: SECRET });
  return {
    server,
    cleanup: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('libsql driver host', () => {
  it('runs the driver inside workerd, talking HTTP to the Hrana server', async () => {
    const { server, cleanup } = await freshStore();
    try {
      const driver = await host.reset({ LIBSQL_URL: server.url });
      expect(await runtimeOf(host)).toBe('Cloudflare-Workers');
      await warmUp(driver);
      expect(server.requests).toBeGreaterThan(0);
      await driver.close();
    } finally {
      await cleanup();
    }
  });

  it('uses the web client: a file: URL is refused in workerd', async () => {
    await expect(host.reset({ LIBSQL_URL: 'file:edgeq.db' })).rejects.toMatchObject({
      name: 'LibsqlError',
      code: 'URL_SCHEME_NOT_SUPPORTED',
    });
  });

  it('a driver error crosses back with its name, message and code', async () => {
    const { server, cleanup } = await freshStore();
    try {
      const driver = await host.reset({ LIBSQL_URL: server.url, LIBSQL_AUTH_TOKEN: 'wrong' });
      await expect(driver.get({ ns: 'n', now: 0, id: 'x' })).rejects.toMatchObject({
        name: 'LibsqlError',
        code: 'SERVER_ERROR',
        message: expect.stringContaining('401'),
      });
      await driver.close();
      await expect(driver.get({ ns: 'n', now: 0, id: 'x' })).rejects.toThrow(/no driver instance/);
    } finally {
      await cleanup();
    }
  });
});

driverContract({
  name: 'libsql',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const { server, cleanup } = await freshStore();
    const driver = await host.reset({ LIBSQL_URL: server.url });
    await warmUp(driver);
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: () => host.newDriver(),
      cleanup,
    };
  },
});
