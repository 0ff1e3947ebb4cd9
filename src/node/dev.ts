/**
 * `edgeq dev`: starts the local endpoints (src/dev/stack.ts), checks the store behind each, and
 * prints the settings that point each driver at them; `--dev-vars` also writes one driver's
 * into `.dev.vars` for `wrangler dev`. Runs until SIGINT or SIGTERM.
 *
 * stdout carries only the settings (so `edgeq dev > .edgeq/dev.env` saves them); every message
 * goes to stderr and names no token or password.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEV_HELP, PORT_FLAGS, parseDevArgs } from '../dev/cli-args.js';
import { type DevDriver, describeUrl, formatGroup, mergeDevVars } from '../dev/env.js';
import type { ProbeResult } from '../dev/probe.js';
import { type DevStack, PortInUseError, startDev } from '../dev/stack.js';

const say = (line: string) => console.error(`edgeq dev: ${line}`);

const STORE: Record<DevDriver, string> = {
  upstash: 'Redis',
  postgres: 'Postgres',
  libsql: 'SQLite',
};

const STAYS_UP: Record<DevDriver, string> = {
  upstash: 'The Upstash endpoint stays up and works',
  postgres: 'The Neon endpoints stay up and work',
  libsql: 'The libSQL endpoint stays up and works',
};

const HOW_TO_START: Record<DevDriver, string> = {
  upstash:
    'start Redis (`redis-server`; Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: ' +
    '`brew services start redis`; Docker: `docker run -d -p 6379:6379 redis`), or point ' +
    'REDIS_URL (or --redis-url) at yours',
  postgres:
    'start Postgres (Debian/Ubuntu: `sudo apt-get install postgresql`, then `sudo pg_ctlcluster ' +
    '<version> main start`; macOS: `brew services start postgresql`; Docker: `docker run -d -p ' +
    '5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres`), or point DATABASE_URL (or ' +
    '--database-url) at yours',
  libsql: 'check that the file given by --db can be opened for writing',
};

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN|no answer/;

/** One plain sentence (and what to do) per store that failed its check. */
function report(driver: DevDriver, where: string, result: ProbeResult): void {
  if (result.ok) return;
  const what = UNREACHABLE.test(result.reason) ? 'is not reachable' : 'failed a check';
  say(`${STORE[driver]} at ${where} ${what}: ${result.reason}`);
  say(`  to fix: ${HOW_TO_START[driver]}.`);
  say(`  ${STAYS_UP[driver]} as soon as ${STORE[driver]} answers.`);
}

/** Runs `edgeq dev` with `args`; returns once everything listens (the servers keep it alive). */
export async function devCommand(args: string[]): Promise<void> {
  const parsed = parseDevArgs(args, process.env);
  if (parsed.help) {
    console.log(DEV_HELP);
    return;
  }
  const { options, devVars } = parsed;
  let stack: DevStack;
  try {
    stack = await startDev(options);
  } catch (e) {
    if (e instanceof PortInUseError) {
      throw new Error(`${e.message}: free it or pick another with --${PORT_FLAGS[e.endpoint]}`);
    }
    throw e;
  }

  const redis = describeUrl(stack.redisUrl, 6379);
  const postgres = describeUrl(stack.databaseUrl, 5432);
  if (stack.upstash) say(`Upstash REST on ${stack.upstash.url} -> Redis ${redis}`);
  if (stack.neonHttp && stack.neonWs) {
    // Both serve whichever database a client's connection string names.
    say(
      `Neon HTTP on ${stack.neonHttp.url}, WebSocket proxy on ${stack.neonWs.url} -> Postgres ${postgres}`,
    );
    const host = new URL(stack.databaseUrl).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      say(`  the WebSocket proxy only reaches loopback addresses, and DATABASE_URL is on ${host}`);
    }
  }
  if (stack.libsql) say(`libSQL (Hrana over HTTP) on ${stack.libsql.url} -> ${stack.dbPath}`);
  if (options.faults && Object.keys(options.faults).length > 0) {
    say(`injecting faults ${JSON.stringify(options.faults)} (seed ${options.seed ?? 1})`);
  }

  const checks = await stack.check();
  const where: Record<DevDriver, string> = {
    upstash: redis,
    postgres,
    libsql: stack.dbPath ?? '',
  };
  for (const [driver, result] of Object.entries(checks) as [DevDriver, ProbeResult][]) {
    report(driver, where[driver], result);
  }

  console.log(stack.groups.map(formatGroup).join('\n'));

  if (devVars) {
    const group = stack.groups.find((g) => g.driver === devVars)!;
    const existing = existsSync('.dev.vars') ? readFileSync('.dev.vars', 'utf8') : '';
    writeFileSync('.dev.vars', mergeDevVars(existing, group), { mode: 0o600 });
    say(`wrote the ${devVars} settings to .dev.vars: start (or restart) \`npm run dev\``);
  }
  say('ready; Ctrl-C stops it');

  let closing = false;
  const stop = async (signal: string) => {
    if (closing) process.exit(1); // a second signal: stop waiting
    closing = true;
    say(`${signal}, shutting down`);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
