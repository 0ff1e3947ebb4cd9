/**
 * Checks the store behind each local endpoint by sending it one harmless request through the
 * endpoint itself (PING, `select 1`), so a check covers the whole path a driver takes and its
 * failure carries the store's own words (ECONNREFUSED, a missing database, a wrong password).
 */

/** What one check found. `reason` never holds a token or a password. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

const TIMEOUT_MS = 3_000;

async function post(
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; json: unknown } | { reason: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError') return { reason: `no answer within ${TIMEOUT_MS / 1000} s` };
    return { reason: (e as Error).message };
  }
}

const field = (json: unknown, key: string): unknown =>
  json !== null && typeof json === 'object' ? (json as Record<string, unknown>)[key] : undefined;

/** Upstash endpoint -> Redis: `PING` answers `PONG`. */
export async function probeRedis(upstash: { url: string; token: string }): Promise<ProbeResult> {
  const r = await post(upstash.url, { authorization: `Bearer ${upstash.token}` }, ['PING']);
  if ('reason' in r) return { ok: false, reason: r.reason };
  if (r.status === 200 && field(r.json, 'result') === 'PONG') return { ok: true };
  const error = field(r.json, 'error');
  // The endpoint says "ERR connect ECONNREFUSED ..." when it cannot open a Redis connection.
  return {
    ok: false,
    reason: typeof error === 'string' ? error.replace(/^ERR /, '') : `HTTP ${r.status}`,
  };
}

/** Neon HTTP endpoint -> Postgres: `select 1` on the database `databaseUrl` names. */
export async function probePostgres(
  neonHttp: { url: string },
  databaseUrl: string,
): Promise<ProbeResult> {
  const headers = { 'neon-connection-string': databaseUrl };
  const r = await post(neonHttp.url, headers, { query: 'select 1', params: [] });
  if ('reason' in r) return { ok: false, reason: r.reason };
  if (r.status === 200) return { ok: true };
  const message = field(r.json, 'message');
  return { ok: false, reason: typeof message === 'string' ? message : `HTTP ${r.status}` };
}

/** libSQL endpoint -> the SQLite file: one `select 1` pipeline. */
export async function probeLibsql(hrana: { url: string }): Promise<ProbeResult> {
  const requests = [{ type: 'execute', stmt: { sql: 'select 1' } }, { type: 'close' }];
  const r = await post(`${hrana.url}/v2/pipeline`, {}, { baton: null, requests });
  if ('reason' in r) return { ok: false, reason: r.reason };
  const first = (field(r.json, 'results') as unknown[] | undefined)?.[0];
  if (r.status === 200 && field(first, 'type') === 'ok') return { ok: true };
  const message = field(field(first, 'error'), 'message');
  return { ok: false, reason: typeof message === 'string' ? message : `HTTP ${r.status}` };
}
