/**
 * `edgeq dev` when things are wrong: a store that is down or refuses (named, with how to start
 * it, while the other endpoints serve), a taken port, bad flags; and `--faults`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { PG_URL } from '../support/pg-transports.js';
import {
  closedPort,
  type DevProcess,
  FREE_PORTS,
  runDevToExit,
  startDevProcess,
} from './dev-process.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeq-dev-errors-'));
const running: DevProcess[] = [];
const servers: Server[] = [];

afterAll(async () => {
  for (const p of running) await p.stop('SIGKILL');
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const ping = (url: string, token: string) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: '["PING"]',
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));

describe('edgeq dev with a store down', () => {
  it('names each store it cannot use and how to fix it, serves the others, and recovers', async () => {
    const redisPort = await closedPort();
    const missingDb = new URL(PG_URL);
    missingDb.pathname = '/edgeq_dev_no_such_db';
    const dev = await startDevProcess(
      [...FREE_PORTS, '--db', join(dir, 'down.db'), '--database-url', missingDb.href],
      { cwd: dir, env: { REDIS_URL: `redis://127.0.0.1:${redisPort}` } },
    );
    running.push(dev);
    const err = dev.stderr();
    expect(err).toContain(
      `Redis at 127.0.0.1:${redisPort} is not reachable: connect ECONNREFUSED 127.0.0.1:${redisPort}`,
    );
    expect(err).toContain('start Redis (`redis-server`');
    expect(err).toContain('The Upstash endpoint stays up and works as soon as Redis answers.');
    expect(err).toMatch(
      /Postgres at 127\.0\.0\.1:5432\/edgeq_dev_no_such_db failed a check: database "edgeq_dev_no_such_db" does not exist/,
    );
    expect(err).toContain('DATABASE_URL (or --database-url)');
    expect(err).not.toMatch(/SQLite.*(not reachable|failed)/);

    // libSQL, whose store is fine, serves jobs.
    const driver = libsqlDriver({ url: dev.env.libsql!.LIBSQL_URL! });
    const [job] = await createRuntime({ driver }).enqueue('still-up', [{ payload: 1 }]);
    expect(job!.created).toBe(true);
    await driver.close();

    // The Upstash endpoint answers the outage as a command error, then works once Redis is up
    // at that address (here a TCP relay to the real Redis).
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = dev.env.upstash!;
    const down = await ping(url!, token!);
    expect(down.status).toBe(500);
    expect(down.body).toEqual({ error: expect.stringContaining('ECONNREFUSED') });
    const relay = createServer((client) => {
      const upstream = tcpConnect(6379, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    servers.push(relay);
    await new Promise<void>((resolve) => relay.listen(redisPort, '127.0.0.1', resolve));
    expect(await ping(url!, token!)).toEqual({ status: 200, body: { result: 'PONG' } });
    expect(await dev.stop('SIGINT')).toBe(0);
  });
});

describe('edgeq dev refuses to start', () => {
  it('on a taken port: exit 2, naming the flag that moves it', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const r = await runDevToExit(
      [...FREE_PORTS, '--libsql-port', String(port), '--db', join(dir, 'p.db')],
      {
        cwd: dir,
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `edgeq: port ${port} (the libsql endpoint) is already in use: free it or pick another with --libsql-port`,
    );
    expect(r.stdout).toBe('');
  });

  it('on a bad flag, with exit code 2 and a message naming it (more cases: args.test.ts)', async () => {
    const runs = await Promise.all([
      runDevToExit(['--dev-vars', 'redis'], { cwd: dir }),
      runDevToExit(['--database-url', 'mysql://x:secret@h/db'], { cwd: dir }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2]);
    expect(runs[0]!.stderr).toContain(
      'edgeq: --dev-vars must be one of upstash, postgres, libsql, got "redis"',
    );
    expect(runs[1]!.stderr).toContain('--database-url (or DATABASE_URL) must be a postgres:// URL');
    expect(runs[1]!.stderr).not.toContain('secret');
  });
});

describe('edgeq dev --faults', () => {
  it('injects the faults on every endpoint, but not into its own store checks', async () => {
    const dev = await startDevProcess(
      [...FREE_PORTS, '--only', 'upstash', '--token', 'given-token', '--faults', '{"errorRate":1}'],
      { cwd: dir, lines: 1 },
    );
    running.push(dev);
    expect(dev.stderr()).toContain('injecting faults {"errorRate":1} (seed 1)');
    expect(dev.stderr()).not.toMatch(/not reachable|failed a check/);
    expect(Object.keys(dev.env)).toEqual(['upstash']);
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = dev.env.upstash!;
    expect(token).toBe('given-token');
    expect(await ping(url!, token!)).toEqual({
      status: 503,
      body: { error: 'Service Unavailable (injected fault)' },
    });
    expect(await dev.stop()).toBe(0);
  });
});
