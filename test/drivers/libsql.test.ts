/**
 * The contract suite on libSQL: a local file (durable, shared by instances) and :memory:.
 * Round trips are counted at the client: each execute or batch is one request to the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, createClient } from '@libsql/client';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { driverContract } from '../contract/index.js';
import { countingClient } from '../support/counting-client.js';
import { startHranaServer } from '../support/hrana-server.js';

driverContract({
  name: 'libsql',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-libsql-'));
    const url = `file:${join(dir, 'q.db')}`;
    const open = (): { client: Client; count: () => number } =>
      countingClient(createClient({ url, timeout: 5_000 }));
    const { client, count } = open();
    const driver = libsqlDriver({ client, local: 'file' });
    await driver.migrate();
    return {
      driver,
      roundTrips: count,
      reopen: async () => libsqlDriver({ client: open().client, local: 'file' }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

driverContract({
  name: 'libsql',
  capabilities: { durable: false, shared: false, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const { client, count } = countingClient(createClient({ url: ':memory:' }));
    const driver = libsqlDriver({ client, local: 'memory' });
    await driver.migrate();
    return { driver, roundTrips: count };
  },
});

// Remote libSQL (the Turso path, and the only one Workers have): @libsql/client's HTTP client
// speaking Hrana v2 to a local endpoint in front of a real SQLite file. Round trips are the
// HTTP requests the endpoint served.
driverContract({
  name: 'libsql',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeq-hrana-'));
    const server = await startHranaServer({ path: join(dir, 'q.db'), authToken: 'hrana-secret' });
    const open = () => libsqlDriver({ url: server.url, authToken: 'hrana-secret' });
    const driver = open();
    await driver.migrate();
    return {
      driver,
      roundTrips: () => server.requests,
      reopen: async () => open(),
      cleanup: async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
