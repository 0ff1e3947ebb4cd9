/** Runs the project's wrangler offline (no metrics, no network), as `wrangler deploy` would build. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function wrangler(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  return promisify(execFile)(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      NO_COLOR: '1',
      CI: '1',
    },
    timeout: 60_000,
  });
}
