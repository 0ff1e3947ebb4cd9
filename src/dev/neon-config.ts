/**
 * The `neonConfig` settings that `NEON_FETCH_ENDPOINT` and `NEON_WS_PROXY` ask for, so `edgeq
 * serve` (and any Node app) reaches local Neon endpoints such as `edgeq dev`'s. No imports: the
 * caller applies them to its own `neonConfig`.
 */

/** The subset of Neon's `neonConfig` that points its clients at other endpoints. */
export interface NeonEndpointConfig {
  fetchEndpoint?: string;
  wsProxy?: (host: string, port: number | string) => string;
  useSecureWebSocket?: boolean;
  pipelineConnect?: false;
}

/**
 * Reads `NEON_FETCH_ENDPOINT` (the SQL-over-HTTP URL) and `NEON_WS_PROXY` (`host:port/path`, the
 * address is appended as `?address=host:port`). A `ws://` proxy is a local, plain one: no TLS,
 * and no password pipelining, which fails against a trust-auth Postgres ("invalid frontend
 * message type 112"). A bare `host:port/path` keeps Neon's defaults (TLS, pipelining).
 *
 * @example
 * Object.assign(neonConfig, neonEndpointConfig({ NEON_WS_PROXY: 'ws://127.0.0.1:8082/v2' }));
 */
export function neonEndpointConfig(env: Record<string, unknown>): NeonEndpointConfig {
  const out: NeonEndpointConfig = {};
  const fetchEndpoint = env.NEON_FETCH_ENDPOINT;
  if (typeof fetchEndpoint === 'string' && fetchEndpoint) out.fetchEndpoint = fetchEndpoint;
  const raw = env.NEON_WS_PROXY;
  if (typeof raw === 'string' && raw) {
    const scheme = /^(wss?):\/\//i.exec(raw)?.[1]?.toLowerCase();
    const proxy = scheme ? raw.slice(scheme.length + 3) : raw;
    const join = proxy.includes('?') ? '&' : '?';
    out.wsProxy = (host, port) => `${proxy}${join}address=${host}:${port}`;
    if (scheme === 'ws') {
      out.useSecureWebSocket = false;
      out.pipelineConnect = false;
    } else if (scheme === 'wss') {
      out.useSecureWebSocket = true;
    }
  }
  return out;
}
