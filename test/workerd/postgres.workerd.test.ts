/**
 * The whole driver contract on the Postgres driver running inside workerd over neon-http (the
 * Workers default): Neon's HTTP client in the Worker, the local Neon SQL-over-HTTP endpoint, the
 * machine's real Postgres. Each test gets its own schema through `/reset`; round trips are the
 * HTTP requests the endpoint served.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverContract } from '../contract/index.js';
import { type NeonHttpServer, startNeonHttpServer } from '../support/neon-http-server.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import {
  runtimeOf,
  startWorkerdDriverHost,
  type WorkerdDriverHost,
  warmUp,
} from '../support/workerd-driver.js';

let host: WorkerdDriverHost;
let http: NeonHttpServer;
const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
beforeAll(async () => {
  http = await startNeonHttpServer();
  host = await startWorkerdDriverHost({
    DRIVER: 'postgres',
    DATABASE_URL: PG_URL,
    NEON_FETCH_ENDPOINT: http.url,
  });
}, 60_000);
afterAll(async () => {
  await host?.close();
  await http?.close();
  await admin.end();
});

const dropSchema = (schema: string) => async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
};

describe('postgres driver host', () => {
  it('runs the driver inside workerd, over Neon HTTP to Postgres', async () => {
    const schema = freshSchema();
    try {
      const driver = await host.reset({ EDGEQ_PG_SCHEMA: schema });
      expect(await runtimeOf(host)).toBe('Cloudflare-Workers');
      const before = http.requests;
      await warmUp(driver);
      expect(http.requests).toBeGreaterThan(before);
      await driver.close();
    } finally {
      await dropSchema(schema)();
    }
  });
});

driverContract({
  name: 'postgres',
  capabilities: { durable: true, shared: true, replaySafe: false },
  countsRoundTrips: true,
  factory: async () => {
    const schema = freshSchema();
    const driver = await host.reset({ EDGEQ_PG_SCHEMA: schema });
    await warmUp(driver);
    return {
      driver,
      roundTrips: () => http.requests,
      reopen: () => host.newDriver(),
      cleanup: dropSchema(schema),
    };
  },
});
