/**
 * The environment lines `edgeq dev` prints, one group per driver, and the `.dev.vars` file it
 * writes for `wrangler dev`. Pure functions: the process and the filesystem stay in the caller.
 */

/** The drivers `edgeq dev` serves, each through its local endpoint(s). */
export type DevDriver = 'upstash' | 'postgres' | 'libsql';

/** Every driver, in the order the groups are printed. */
export const DEV_DRIVERS: readonly DevDriver[] = ['upstash', 'postgres', 'libsql'];

/** The settings that point one driver at its local endpoint. */
export interface EnvGroup {
  driver: DevDriver;
  /** One line saying what the group is for (printed as a `#` comment above it). */
  title: string;
  vars: Record<string, string>;
}

/**
 * Every variable a group may set: `.dev.vars` drops them all before writing the chosen group,
 * since the Worker picks Upstash, then Postgres, then libSQL by which are present.
 */
export const MANAGED_VARS: readonly string[] = [
  'UPSTASH_REDIS_REST_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'DATABASE_URL',
  'EDGEQ_PG_TRANSPORT',
  'NEON_FETCH_ENDPOINT',
  'NEON_WS_PROXY',
  'LIBSQL_URL',
  'LIBSQL_AUTH_TOKEN',
];

const MARKER = '# written by edgeq dev --dev-vars';
const SHELL_SAFE = /^[\w@%+=:,./-]*$/;
const DOTENV_SAFE = /^[^\s#'"`\\]*$/;

/** A value quoted for a POSIX shell only when it needs it (`?`, `&`, spaces, quotes...). */
export function shellQuote(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * One group as `# title` and one `export A=1 B=2` line: a line pastes into a shell as is, and
 * `eval "$(grep UPSTASH_ dev.env)"` takes one driver's settings from a saved copy.
 *
 * @example
 * formatGroup({ driver: 'libsql', title: 'libSQL', vars: { LIBSQL_URL: 'http://127.0.0.1:8080' } });
 * // '# libSQL\nexport LIBSQL_URL=http://127.0.0.1:8080'
 */
export function formatGroup(group: EnvGroup): string {
  const pairs = Object.entries(group.vars).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return `# ${group.title}\nexport ${pairs.join(' ')}`;
}

function dotenvLine(key: string, value: string): string {
  return `${key}=${DOTENV_SAFE.test(value) ? value : JSON.stringify(value)}`;
}

/**
 * `existing` (the current `.dev.vars`, or '' when there is none) with every managed variable
 * and an earlier run's marker removed and `group`'s variables appended; the user's other lines
 * (EDGEQ_TOKEN, EDGEQ_REDIS_PREFIX, comments...) are kept as they are.
 */
export function mergeDevVars(existing: string, group: EnvGroup): string {
  const managed = new Set(MANAGED_VARS);
  const kept = existing.split(/\r?\n/).filter((line) => {
    if (line.startsWith(MARKER)) return false;
    const key = /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=/.exec(line)?.[1];
    return key === undefined || !managed.has(key);
  });
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const lines = [`${MARKER} ${group.driver}`];
  for (const [k, v] of Object.entries(group.vars)) lines.push(dotenvLine(k, v));
  return `${[...kept, ...(kept.length > 0 ? [''] : []), ...lines].join('\n')}\n`;
}

/** `host:port/db` of a Postgres or Redis URL: what messages name (never a user or password). */
export function describeUrl(url: string, defaultPort: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname || '127.0.0.1'}:${u.port || defaultPort}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}
