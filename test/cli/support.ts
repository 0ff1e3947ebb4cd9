/**
 * The `edgeq` bin as a person runs it, for the CLI tests: a child process (the built
 * bin/edgeq.js) with only the environment a test gives it, in its own temp directory; plus
 * fresh stores to run it against (a libSQL file, a Postgres schema, an Upstash key prefix).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import pg from 'pg';
import { libsqlDriver } from '../../src/drivers/libsql/index.js';
import { PostgresDriver, pgTransport } from '../../src/drivers/postgres/index.js';
import type { Driver } from '../../src/drivers/types.js';
import { upstashDriver } from '../../src/drivers/upstash/index.js';
import { freshSchema, PG_URL } from '../support/pg-transports.js';
import { BIN } from '../support/serve-process.js';
import { startUpstashServer, type UpstashServer } from '../support/upstash-server.js';

/** Store settings a test's shell might carry; a test gives its own, or none. */
const STORE_VARS = [
  'EDGEQ_DRIVER',
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'EDGEQ_REDIS_PREFIX',
  'DATABASE_URL',
  'EDGEQ_PG_TRANSPORT',
  'EDGEQ_PG_SCHEMA',
  'LIBSQL_URL',
  'LIBSQL_AUTH_TOKEN',
  'NEON_FETCH_ENDPOINT',
  'NEON_WS_PROXY',
];

function baseEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !STORE_VARS.includes(k)) out[k] = v;
  }
  return { ...out, ...env };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
}

/** Starts `edgeq <args>`; `child` for tests that interrupt it, `done` for its outcome. */
export function start(args: string[], o: RunOptions): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: o.cwd,
    env: baseEnv(o.env ?? {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.end(o.input ?? '');
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
}

/** Runs `edgeq <args>` to the end. */
export function edgeq(args: string[], o: RunOptions): Promise<Run> {
  return start(args, o).done;
}

/** The stdout of a run as JSON. */
export const json = (r: Run): any => JSON.parse(r.stdout);

/** A usage or runtime error: exactly one line on stderr, no stack frames. */
export function oneLine(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1 || /\n\s+at /.test(r.stderr)) {
    throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  }
  return lines[0]!;
}

/** Temp directories, removed by `cleanup`. */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(): string {
      const d = mkdtempSync(join(tmpdir(), 'edgeq-cli-'));
      dirs.push(d);
      return d;
    },
    cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** An in-process driver on a libSQL file (to seed and inspect what the bin wrote). */
export function libsqlAt(file: string): Driver {
  return libsqlDriver({ url: `file:${file}` });
}

/** A fresh Postgres schema: its env for the bin, a driver on it, and `drop`. */
export function pgSchema() {
  const schema = freshSchema();
  return {
    schema,
    env: { DATABASE_URL: PG_URL, EDGEQ_PG_SCHEMA: schema },
    driver: (): PostgresDriver => new PostgresDriver({ transport: pgTransport(PG_URL), schema }),
    /** Whether the schema exists (a dry run must not create it). */
    async exists(): Promise<boolean> {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        const r = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        return r.rowCount === 1;
      } finally {
        await admin.end();
      }
    },
    async drop(): Promise<void> {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** The local Upstash REST endpoint (on the machine's Redis) and fresh key prefixes on it. */
export async function upstashEndpoint() {
  const server: UpstashServer = await startUpstashServer();
  const prefixes: string[] = [];
  return {
    server,
    /** A new prefix: its env for the bin and a driver on it. */
    prefix() {
      const prefix = `{edgeqcli-${Math.random().toString(36).slice(2, 10)}}`;
      prefixes.push(prefix);
      return {
        prefix,
        env: {
          UPSTASH_REDIS_REST_URL: server.url,
          UPSTASH_REDIS_REST_TOKEN: server.token,
          EDGEQ_REDIS_PREFIX: prefix,
        },
        driver: () => upstashDriver({ url: server.url, token: server.token, prefix }),
      };
    },
    async close(): Promise<void> {
      const redis = new Redis({ url: server.url, token: server.token });
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}*`);
        for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
      }
      await server.close();
    },
  };
}
