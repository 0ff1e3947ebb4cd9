/**
 * `startDev` in-process (the `edgeq/dev` entry): a port that cannot be had undoes what already
 * started, and store checks look past injected faults while clients still get them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PortInUseError, startDev } from '../../src/dev/index.js';
import { closedPort, listening } from './dev-process.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeq-dev-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startDev', () => {
  it('a taken port throws PortInUseError naming the endpoint, after closing the started ones', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const upstashPort = await closedPort();
    try {
      const err = await startDev({
        ports: { upstash: upstashPort, 'neon-http': port, 'neon-ws': 0, libsql: 0 },
        dbPath: join(dir, 'a.db'),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect(err).toMatchObject({ endpoint: 'neon-http', port });
      // The Upstash endpoint had started first; it no longer listens.
      expect(await listening(upstashPort)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('check() reports the stores as they are while every client request gets the fault', async () => {
    const dev = await startDev({
      only: ['libsql', 'upstash'],
      ports: { upstash: 0, libsql: 0 },
      dbPath: join(dir, 'b.db'),
      faults: { errorRate: 1 },
    });
    try {
      expect(dev.groups.map((g) => g.driver)).toEqual(['upstash', 'libsql']);
      expect(dev.neonHttp).toBeUndefined();
      expect(await dev.check()).toEqual({ upstash: { ok: true }, libsql: { ok: true } });
      const res = await fetch(`${dev.libsql!.url}/v2/pipeline`, {
        method: 'POST',
        body: JSON.stringify({ baton: null, requests: [{ type: 'close' }] }),
      });
      expect(res.status).toBe(503);
      // Each endpoint has its own copy of the faults, and only client requests were counted.
      expect(dev.libsql!.faults).not.toBe(dev.upstash!.faults);
      expect([dev.libsql!.stats.errored, dev.upstash!.stats.errored]).toEqual([1, 0]);
    } finally {
      await dev.close();
    }
  });
});
