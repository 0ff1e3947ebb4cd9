/**
 * The flags of `edgeq dev`, parsed and checked. A bad value throws an Error naming the flag;
 * `edgeq` prints it and exits with status 2, before anything listens.
 */
import { parseArgs } from 'node:util';
import { DEV_DRIVERS, type DevDriver } from './env.js';
import type { Faults } from './faults.js';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_DB_PATH,
  DEFAULT_REDIS_URL,
  DEV_PORTS,
  type DevEndpoint,
  type DevOptions,
} from './stack.js';

/** The flag that sets each endpoint's port. */
export const PORT_FLAGS: Readonly<Record<DevEndpoint, string>> = {
  upstash: 'upstash-port',
  libsql: 'libsql-port',
  'neon-http': 'neon-http-port',
  'neon-ws': 'neon-ws-port',
};

/** `edgeq dev --help`. */
export const DEV_HELP = `edgeq dev: local Upstash REST, Neon (HTTP and WebSocket) and libSQL endpoints in front of
a local Redis, Postgres and SQLite file, so the production drivers run with no account

Usage:
  edgeq dev [--redis-url URL] [--database-url URL] [--db ${DEFAULT_DB_PATH}] [--token TOKEN]
            [--upstash-port ${DEV_PORTS.upstash}] [--neon-http-port ${DEV_PORTS['neon-http']}] [--neon-ws-port ${DEV_PORTS['neon-ws']}] [--libsql-port ${DEV_PORTS.libsql}]
            [--only upstash,postgres,libsql] [--dev-vars upstash|postgres|libsql]
            [--faults JSON] [--seed N]

  --redis-url      Redis behind the Upstash endpoint (default REDIS_URL, else ${DEFAULT_REDIS_URL})
  --database-url   Postgres the printed DATABASE_URL names (default DATABASE_URL, else
                   ${DEFAULT_DATABASE_URL})
  --db             SQLite file behind the libSQL endpoint (created if missing)
  --token          bearer token of the Upstash endpoint (default: a new random one per run)
  --*-port         listening ports, on 127.0.0.1 (0: any free port)
  --only           serve only these drivers
  --dev-vars       also write the driver's settings to ./.dev.vars for \`wrangler dev\`
                   (\`npm run dev\`), keeping the file's other lines
  --faults         transport faults every endpoint injects, e.g. '{"errorRate":0.05,"delayMs":50}'
                   (dropAfterRate, errorRate, stallRate, refuseRate: 0..1; delayMs)
  --seed           seed of the fault draws (default 1)

The settings for each driver are printed on stdout, one \`export\` line per driver; messages go to
stderr. It runs until Ctrl-C (SIGINT) or SIGTERM.
`;

/** The parsed flags: what to start, which driver `--dev-vars` writes, and `--help`. */
export interface DevArgs {
  options: DevOptions & { only: DevDriver[] };
  devVars?: DevDriver;
  help: boolean;
}

const RATES = ['dropAfterRate', 'errorRate', 'stallRate', 'refuseRate'] as const;

function port(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535 || raw.trim() === '') {
    throw new Error(`--${flag} must be a port number (0 to 65535), got "${raw}"`);
  }
  return n;
}

/** A URL with one of `protocols`; the message names the flag, never the value (a password). */
function url(flag: string, raw: string, protocols: string[]): string {
  let protocol = '';
  try {
    protocol = new URL(raw).protocol;
  } catch {}
  if (!protocols.includes(protocol)) {
    const env = flag === 'redis-url' ? 'REDIS_URL' : 'DATABASE_URL';
    throw new Error(`--${flag} (or ${env}) must be a ${protocols[0]}// URL`);
  }
  return raw;
}

function driver(flag: string, raw: string): DevDriver {
  const d = DEV_DRIVERS.find((x) => x === raw);
  if (!d) throw new Error(`--${flag} must be one of ${DEV_DRIVERS.join(', ')}, got "${raw}"`);
  return d;
}

/**
 * `--faults` as a `Faults` object: rates in 0..1 that sum to at most 1, and `delayMs`.
 *
 * @example
 * parseFaults('{"errorRate":0.05}'); // { errorRate: 0.05 }
 */
export function parseFaults(raw: string): Faults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`--faults must be a JSON object, got "${raw}"`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`--faults must be a JSON object, got "${raw}"`);
  }
  const out: Faults = {};
  let sum = 0;
  for (const [key, value] of Object.entries(parsed)) {
    const rate = RATES.find((r) => r === key);
    if (rate) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new Error(`--faults: ${key} must be a number from 0 to 1`);
      }
      out[rate] = value;
      sum += value;
    } else if (key === 'delayMs') {
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        throw new Error('--faults: delayMs must be a whole number of milliseconds');
      }
      out.delayMs = value as number;
    } else {
      throw new Error(`--faults: unknown key "${key}" (${[...RATES, 'delayMs'].join(', ')})`);
    }
  }
  if (sum > 1) throw new Error('--faults: the rates must sum to at most 1');
  return out;
}

/** Parses `edgeq dev`'s arguments; `env` supplies REDIS_URL and DATABASE_URL defaults. */
export function parseDevArgs(args: string[], env: Record<string, string | undefined>): DevArgs {
  const { values } = parseArgs({
    args,
    options: {
      'redis-url': { type: 'string' },
      'database-url': { type: 'string' },
      db: { type: 'string', default: DEFAULT_DB_PATH },
      token: { type: 'string' },
      'upstash-port': { type: 'string' },
      'neon-http-port': { type: 'string' },
      'neon-ws-port': { type: 'string' },
      'libsql-port': { type: 'string' },
      only: { type: 'string' },
      'dev-vars': { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const ports: Partial<Record<DevEndpoint, number>> = {};
  for (const [endpoint, flag] of Object.entries(PORT_FLAGS) as [DevEndpoint, string][]) {
    const raw = values[flag as keyof typeof values];
    if (typeof raw === 'string') ports[endpoint] = port(flag, raw);
  }
  const only = values.only
    ? [...new Set(values.only.split(',').map((d) => driver('only', d.trim())))]
    : [...DEV_DRIVERS];
  const devVars =
    values['dev-vars'] === undefined ? undefined : driver('dev-vars', values['dev-vars']);
  if (devVars && !only.includes(devVars)) {
    throw new Error(`--dev-vars ${devVars} needs ${devVars} in --only`);
  }
  if (values.token !== undefined && !/^[\x21-\x7e]+$/.test(values.token)) {
    throw new Error('--token must be printable ASCII without spaces');
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isSafeInteger(seed))
      throw new Error(`--seed must be a whole number, got "${values.seed}"`);
  }
  const redisUrl = url('redis-url', values['redis-url'] ?? (env.REDIS_URL || DEFAULT_REDIS_URL), [
    'redis:',
  ]);
  const databaseUrl = url(
    'database-url',
    values['database-url'] ?? (env.DATABASE_URL || DEFAULT_DATABASE_URL),
    ['postgres:', 'postgresql:'],
  );
  const options: DevArgs['options'] = {
    redisUrl,
    databaseUrl,
    dbPath: values.db,
    ports,
    only,
    ...(values.token === undefined ? {} : { token: values.token }),
    ...(values.faults === undefined ? {} : { faults: parseFaults(values.faults) }),
    ...(seed === undefined ? {} : { seed }),
  };
  return { options, help: values.help === true, ...(devVars ? { devVars } : {}) };
}
