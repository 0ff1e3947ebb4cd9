import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import type { Capabilities, Driver } from '../../src/drivers/types.js';
import { wrangler } from './wrangler.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(ROOT, 'test', 'workerd', 'driver-worker.ts');
const COMPAT_DATE = '2026-04-01'; // as in wrangler.toml
const ORIGIN = 'http://driver.test';

export interface WorkerdDriverHost {
  mf: Miniflare;
  /** workerd's stdout and stderr (console output of the Worker, runtime warnings). */
  logs: string[];
  /**
   * Closes every driver instance in the Worker and builds instance `a` from the bindings plus
   * `config` (strings, e.g. `{ LIBSQL_URL }`); resolves to a proxy for it.
   */
  reset(config?: Record<string, string>): Promise<Driver>;
  /**
   * A proxy for driver instance `instance` (`a` is the one `reset` built). With no argument,
   * builds a new, independent instance over the same config first: the contract's `reopen`.
   */
  newDriver(instance?: string): Promise<Driver>;
  close(): Promise<void>;
}

interface Info {
  name: string;
  capabilities: Capabilities;
  runtime?: string;
}

type Reply = { ok: true; value?: unknown } | { ok: false; error: WireError };
interface WireError {
  name: string;
  message: string;
  code?: string;
}

let bundle: Promise<string> | undefined;

/**
 * Bundles the RPC Worker with wrangler's own build (offline, no account), once per process.
 * Resolves to the bundled module's source; the build folder is removed once read.
 */
export function buildDriverWorker(): Promise<string> {
  bundle ??= (async () => {
    await mkdir(join(ROOT, '.wrangler'), { recursive: true });
    // Under the repo's ignored .wrangler/, unique so parallel test files do not clash. The config
    // lives here too, so wrangler's own scratch folder (.wrangler/ next to it) goes with it.
    const dir = await mkdtemp(join(ROOT, '.wrangler', 'workerd-driver-'));
    try {
      const config = join(dir, 'wrangler.json');
      await writeFile(
        config,
        JSON.stringify({ name: 'edgeq-driver-rpc', main: ENTRY, compatibility_date: COMPAT_DATE }),
      );
      const outdir = join(dir, 'out');
      await wrangler(['deploy', '--dry-run', '--config', config, '--outdir', outdir]);
      return await readFile(join(outdir, 'driver-worker.js'), 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  bundle.catch(() => {
    bundle = undefined; // a failed build is retried by the next caller
  });
  return bundle;
}

function rethrow(e: WireError): never {
  const err = new Error(e.message) as Error & { code?: string };
  err.name = e.name;
  if (e.code !== undefined) err.code = e.code;
  throw err;
}

/** Starts workerd with the RPC Worker and the given env bindings (e.g. `{ DRIVER: 'memory' }`). */
export async function startWorkerdDriverHost(
  bindings: Record<string, string>,
): Promise<WorkerdDriverHost> {
  const script = await buildDriverWorker();
  const logs: string[] = [];
  const mf = new Miniflare({
    modules: true,
    script,
    scriptPath: join(ROOT, '.wrangler', 'driver-worker.js'), // names the module only
    compatibilityDate: COMPAT_DATE,
    bindings,
    handleRuntimeStdio(out: Readable, err: Readable) {
      out.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
      err.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
    },
  });
  await mf.ready;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const res = await mf.dispatchFetch(`${ORIGIN}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    let reply: Reply;
    try {
      reply = JSON.parse(text) as Reply;
    } catch {
      throw new Error(`driver-worker ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 500)}`);
    }
    if (!reply.ok) rethrow(reply.error);
    return reply.value;
  }

  const proxy = (instance: string, info: Info): Driver => {
    const rpc =
      <R>(method: string) =>
      (params?: unknown): Promise<R> =>
        call('POST', '/rpc', { method, params, instance }) as Promise<R>;
    return {
      name: info.name,
      capabilities: info.capabilities,
      enqueue: rpc('enqueue'),
      claim: rpc('claim'),
      extend: rpc('extend'),
      ack: rpc('ack'),
      nack: rpc('nack'),
      reclaim: rpc('reclaim'),
      get: rpc('get'),
      list: rpc('list'),
      queues: rpc('queues'),
      setPaused: rpc('setPaused'),
      replayDead: rpc('replayDead'),
      cancel: rpc('cancel'),
      prune: rpc('prune'),
      putConfig: rpc('putConfig'),
      deleteConfig: rpc('deleteConfig'),
      configs: rpc('configs'),
      advanceCursor: rpc('advanceCursor'),
      restore: rpc('restore'),
      namespaces: rpc('namespaces'),
      close: rpc('close'),
      // Not part of Driver: first-use setup, see warmUp.
      migrate: rpc('migrate'),
    } as Driver;
  };

  let opened = 0;
  return {
    mf,
    logs,
    async reset(config = {}) {
      return proxy('a', (await call('POST', '/reset', config)) as Info);
    },
    async newDriver(instance?: string) {
      if (instance !== undefined) {
        const q = `?instance=${encodeURIComponent(instance)}`;
        return proxy(instance, (await call('GET', `/info${q}`)) as Info);
      }
      const name = `i${++opened}`;
      return proxy(name, (await call('POST', '/open', { instance: name })) as Info);
    },
    close: () => mf.dispose(),
  };
}

/**
 * Runs the driver's first-use setup inside workerd (its `migrate()` when it has one, else a read
 * of a missing job in a throwaway namespace), as the Node factories call `driver.migrate()`, so
 * that setup is not counted against the first measured operation.
 */
export async function warmUp(driver: Driver): Promise<void> {
  await (driver as Driver & { migrate(): Promise<void> }).migrate();
}

/** What `/info` reports as the runtime: `Cloudflare-Workers` inside workerd. */
export async function runtimeOf(host: WorkerdDriverHost, instance = 'a'): Promise<string> {
  const res = await host.mf.dispatchFetch(`${ORIGIN}/info?instance=${instance}`);
  const reply = (await res.json()) as { ok: boolean; value?: Info };
  return reply.value?.runtime ?? '';
}
