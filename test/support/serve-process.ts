/** Starts `edgeq serve` (the built bin) as a child process and waits for its URL. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/edgeq.js', import.meta.url));

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Waits for the process to exit (after a kill). */
  exited: Promise<number | null>;
}

export async function startServe(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`edgeq serve did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`edgeq serve exited:\n${out}`)));
  });
  return { url, child, output: () => out, exited };
}
