/**
 * The README's walk-through, run the way a new user runs it: `edgeq dev --dev-vars upstash`
 * (the built bin), the ready-made Worker under `wrangler dev` (the same flags as `npm run dev`,
 * reading the `.dev.vars` that edgeq dev wrote), `examples/enqueue.mjs` and
 * `examples/worker-consumer.mjs` as Node scripts importing `edgeq/client`, then the dashboard,
 * logged in with the dev token, showing the jobs completed. Redis is the machine's real one.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeqClient } from '../../src/client/index.js';
import { until } from '../client/support.js';
import { closedPort, type DevProcess, FREE_PORTS, startDevProcess } from '../dev/dev-process.js';
import { ROOT } from '../support/wrangler.js';

const TOKEN = 'dev-token';
const tag = Math.random().toString(36).slice(2, 8);
const prefix = `{walk-${tag}}`;
const queue = `emails-${tag}`;
const redis = new IORedis('redis://127.0.0.1:6379', { lazyConnect: true });
let dir = '';
let dev: DevProcess;
let wrangler: ChildProcess | undefined;
let wranglerLog = '';
let url = '';

/** The environment the README tells the user to export in the third shell. */
const scriptEnv = () => ({ ...process.env, EDGEQ_URL: url, EDGEQ_TOKEN: TOKEN });

beforeAll(async () => {
  // A wrangler config of its own beside the .dev.vars edgeq dev writes, so a developer's own
  // .dev.vars in the repo is never touched; the Worker is the repo's src/worker.ts.
  await mkdir(join(ROOT, '.wrangler'), { recursive: true });
  dir = await mkdtemp(join(ROOT, '.wrangler', 'walkthrough-'));
  await writeFile(
    join(dir, 'wrangler.json'),
    JSON.stringify({
      name: 'edgeq-walkthrough',
      main: join(ROOT, 'src/worker.ts'),
      compatibility_date: '2026-04-01',
    }),
  );
  dev = await startDevProcess([...FREE_PORTS, '--only', 'upstash', '--dev-vars', 'upstash'], {
    cwd: dir,
    lines: 1,
  });
  const port = await closedPort();
  url = `http://127.0.0.1:${port}`;
  const bin = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
  // npm run dev's flags, on a free port, plus a key prefix so the test's Redis keys are its own.
  wrangler = spawn(
    process.execPath,
    [
      bin,
      'dev',
      '--config',
      join(dir, 'wrangler.json'),
      '--test-scheduled',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--var',
      `EDGEQ_TOKEN:${TOKEN}`,
      '--var',
      `EDGEQ_REDIS_PREFIX:${prefix}`,
    ],
    {
      cwd: dir,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  wrangler.stdout!.on('data', (d: Buffer) => (wranglerLog += d.toString()));
  wrangler.stderr!.on('data', (d: Buffer) => (wranglerLog += d.toString()));
  // Refused connections while wrangler starts count as not ready yet.
  await until(
    () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    90_000,
  ).catch((err: Error) => {
    throw new Error(`wrangler dev on ${url}: ${err.message}\n${wranglerLog}`);
  });
}, 120_000);

afterAll(async () => {
  if (wrangler && wrangler.exitCode === null) {
    const exited = new Promise((r) => wrangler!.once('exit', r));
    wrangler.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (wrangler.exitCode === null) wrangler.kill('SIGKILL');
  }
  await dev?.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('README walk-through: the Worker on Upstash under wrangler dev, end to end', () => {
  const ids: string[] = [];

  it('runs the Worker on the Upstash driver through the local endpoint', async () => {
    expect(wranglerLog).toContain('Using secrets defined in .dev.vars');
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toEqual({ ok: true, driver: 'upstash' });
  });

  it('enqueues from a Node script with the client', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'examples/enqueue.mjs'), queue, '3'],
      { env: scriptEnv(), timeout: 30_000 },
    );
    for (const m of stdout.matchAll(/^enqueued (\S+) on (\S+)$/gm)) {
      expect(m[2]).toBe(queue);
      ids.push(m[1]!);
    }
    expect(ids).toHaveLength(3);
    // In Redis under the Worker's prefix: the Worker really ran on the Upstash driver.
    expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
  });

  it('processes them with a createWorker consumer that stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'examples/worker-consumer.mjs'), queue], {
      env: scriptEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const client = new EdgeqClient({ url, token: TOKEN });
    try {
      await until(async () => {
        const jobs = await Promise.all(ids.map((id) => client.get(id)));
        return jobs.every((j) => j.state === 'completed');
      }, 30_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${out}`);
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const id of ids) expect(out).toContain(`processed ${id} (attempt 1)`);
    expect(out).toContain('stopped: 3 completed, 0 failed');
  });

  it('shows them completed on the dashboard after a login with the dev token', async () => {
    const login = await fetch(`${url}/dashboard/login`, {
      method: 'POST',
      headers: {
        origin: url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: TOKEN, next: '/dashboard' }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toMatch(/^edgeq_session=/);
    const page = await fetch(`${url}/dashboard/queues/${queue}?state=completed`, {
      headers: { cookie: cookie! },
    });
    expect(page.status).toBe(200);
    const text = (await page.text())
      .replace(/<style>[\s\S]*?<\/style>/, '')
      .replace(/<[^>]+>/g, ' ');
    expect(text.replace(/\s+/g, ' ')).toContain('completed 3');
    for (const id of ids) expect(text).toContain(id);
  });
});
