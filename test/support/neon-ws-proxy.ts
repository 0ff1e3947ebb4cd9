/**
 * Test-only WebSocket-to-TCP proxy, the local stand-in for Neon's wsproxy, so the WebSocket mode of
 * @neondatabase/serverless (`Pool`/`Client`, drizzle-orm/neon-serverless) reaches a real PostgreSQL.
 *
 * A client opens `ws://127.0.0.1:PORT/v2?address=HOST:PORT` (any path; only `address` matters);
 * the proxy opens a TCP connection to that address and pipes bytes both ways as binary frames,
 * closing each side when the other closes. Only loopback targets (127.0.0.1, localhost, ::1) are
 * allowed; any other target, or a missing/garbled `address`, is refused with HTTP 403/400 before
 * the upgrade.
 *
 * Not implemented: TLS of any kind (use `useSecureWebSocket = false` and Postgres without SSL),
 * authentication of the proxy itself, backpressure beyond the sockets' own buffering, and Neon's
 * password pipelining (`pipelineConnect: 'password'` fails against a trust-auth server with
 * "invalid frontend message type 112", so set `pipelineConnect = false`).
 *
 * Client config (neonConfig is global per module instance; Pool/Client also accept these per
 * instance via `client.neonConfig`):
 *   neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxy.port}/v2?address=${host}:${port}`;
 *   neonConfig.useSecureWebSocket = false;
 *   neonConfig.pipelineConnect = false;
 *   neonConfig.webSocketConstructor = ws; // Node only: workerd has a global WebSocket
 */
import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

export interface NeonWsProxy {
  /** `ws://127.0.0.1:PORT/v2` (append `?address=host:port`). */
  url: string;
  port: number;
  /** WebSocket connections accepted (and TCP connections opened) so far. */
  connections: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

type Target = { host: string; port: number };

/** Parses `address=host:port` from the upgrade URL; throws a status code when refused. */
function targetOf(req: IncomingMessage): Target | 400 | 403 {
  const address = new URL(req.url ?? '/', 'http://x').searchParams.get('address');
  const m = address?.match(/^(.+):(\d{1,5})$/);
  if (!m) return 400;
  const host = m[1]!;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return 400;
  if (!LOOPBACK.has(host)) return 403;
  return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
}

function refuse(socket: Duplex, status: 400 | 403): void {
  const text = status === 403 ? 'Forbidden' : 'Bad Request';
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function pipe(ws: WebSocket, tcp: Socket): void {
  // net.Socket queues writes made while it is still connecting, so no extra buffering is needed.
  ws.on('message', (data) => tcp.write(toBuffer(data)));
  tcp.on('data', (chunk: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
  });
  ws.on('close', () => tcp.end());
  ws.on('error', () => tcp.destroy());
  tcp.on('close', () => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
  });
  tcp.on('error', () => ws.terminate());
}

export async function startNeonWsProxy(
  opts: { port?: number; host?: string } = {},
): Promise<NeonWsProxy> {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required\n');
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = targetOf(req);
    if (typeof target === 'number') {
      refuse(socket, target);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      proxy.connections++;
      const tcp = connect({ host: target.host, port: target.port });
      tcp.setNoDelay(true);
      sockets.add(tcp);
      tcp.on('close', () => sockets.delete(tcp));
      pipe(ws, tcp);
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const proxy: NeonWsProxy = {
    url: `ws://${host}:${port}/v2`,
    port,
    connections: 0,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      for (const tcp of sockets) tcp.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return proxy;
}

/** The neonConfig settings that route Neon's WebSocket Pool/Client through `proxy`. */
export function neonWsConfig(proxy: Pick<NeonWsProxy, 'port'>): {
  wsProxy: (host: string, port: number | string) => string;
  useSecureWebSocket: false;
  pipelineConnect: false;
} {
  return {
    wsProxy: (host, port) => `127.0.0.1:${proxy.port}/v2?address=${host}:${port}`,
    useSecureWebSocket: false,
    pipelineConnect: false,
  };
}
