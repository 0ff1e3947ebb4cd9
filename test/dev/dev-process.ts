/**
 * `edgeq dev` as a user runs it: the built bin (`npm run build` first) as a child process, its
 * stdout parsed the way a shell reads it (each `export` line evaluated by `sh`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { BIN } from '../support/serve-process.js';

export type Driver = 'upstash' | 'postgres' | 'libsql';

export interface DevProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Each driver's variables, as `sh` sets them from the printed `export` line. */
  env: Partial<Record<Driver, Record<string, string>>>;
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Every endpoint on a free port (0), so runs in parallel never clash. */
export const FREE_PORTS = [
  '--upstash-port',
  '0',
  '--neon-http-port',
  '0',
  '--neon-ws-port',
  '0',
  '--libsql-port',
  '0',
];

/** Runs one printed `export` line in a real shell and reads back the variables it names. */
export function evalExportLine(line: string): Record<string, string> {
  const names = [...line.matchAll(/(?:^export | )([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]!);
  const script = `${line}\nfor n in ${names.join(' ')}; do printf '%s\\0' "$(printenv "$n")"; done`;
  const values = execFileSync('sh', ['-ec', script], { encoding: 'utf8' }).split('\0');
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

function driverOf(vars: Record<string, string>): Driver {
  if ('UPSTASH_REDIS_REST_URL' in vars) return 'upstash';
  if ('DATABASE_URL' in vars) return 'postgres';
  return 'libsql';
}

/**
 * Spawns `edgeq dev args` and resolves once it says it is ready and has printed `lines` export
 * lines; rejects with its output if it exits first.
 */
export async function startDevProcess(
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; lines?: number },
): Promise<DevProcess> {
  const child = spawn(process.execPath, [BIN, 'dev', ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const exports = () => out.split('\n').filter((l) => l.startsWith('export '));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`edgeq dev did not start:\n${out}${err}`)),
      15_000,
    );
    const check = () => {
      if (err.includes('ready;') && exports().length >= (opts.lines ?? 3)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`edgeq dev exited with ${code}:\n${out}${err}`)));
  });
  const env: DevProcess['env'] = {};
  for (const line of exports()) {
    const vars = evalExportLine(line);
    env[driverOf(vars)] = vars;
  }
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    env,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `edgeq dev args` to its exit (for arguments it refuses): its code and stderr. */
export function runDevToExit(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'dev', ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
export async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}
