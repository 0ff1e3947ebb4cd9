/**
 * A WebSocket-to-TCP proxy, the local stand-in for Neon's wsproxy, so the WebSocket mode of
 * @neondatabase/serverless (`Pool`/`Client`, drizzle-orm/neon-serverless) reaches a real PostgreSQL.
 *
 * A client opens `ws://127.0.0.1:PORT/v2?address=HOST:PORT` (any path; only `address` matters);
 * the proxy opens a TCP connection to that address and pipes bytes both ways as binary frames,
 * closing each side when the other closes. Only loopback targets (127.0.0.1, localhost, ::1) are
 * allowed; any other target, or a missing/garbled `address`, is refused with HTTP 403/400 before
 * the upgrade.
 *
 * Faults (`faults`, seeded by `seed`; the model is in ./faults.ts): the proxy frames the
 * Postgres protocol in both directions and treats each round trip after startup, the messages up to a Sync or a simple Query, as one request: refuse
 * (the WebSocket and its TCP connection are cut, nothing forwarded, so nothing executes), error-5xx
 * (answered with an ErrorResponse, SQLSTATE 57P03, and ReadyForQuery; nothing forwarded), stall
 * (nothing forwarded, never answered), drop-after (forwarded; the backend's answer is swallowed
 * and the connection cut at its ReadyForQuery, when the statement has run and committed), `down`
 * (upgrades refused, and every request on an open connection refused). `delayMs` delays forwarding.
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
import { type AddressInfo, connect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type Cue, type FaultStats, type Faults, faultPicker, newStats } from './faults.js';

/** A running proxy: its `ws://` URL, counters, faults, and `close()`. */
export interface NeonWsProxy {
  /** `ws://127.0.0.1:PORT/v2` (append `?address=host:port`). */
  url: string;
  port: number;
  /** WebSocket connections accepted (and TCP connections opened) so far. */
  connections: number;
  /** Postgres round trips (up to a Sync or a simple Query) seen after startup. */
  requests: number;
  /** Mutable: tests change it on the fly. */
  faults: Faults;
  stats: FaultStats;
  close(): Promise<void>;
}

/** Where the proxy listens, and its faults. */
export interface NeonWsProxyOptions {
  port?: number;
  host?: string;
  faults?: Faults;
  /** Seed of the RNG deciding the fault rates (default 1). */
  seed?: number;
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

// Untyped frontend messages that are answered by one byte and followed by another untyped one.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * Cuts a byte stream into whole Postgres protocol messages: typed ones (a type byte, then a length
 * that counts itself), and on the frontend the untyped startup messages before them.
 */
class Framer {
  #buf: Buffer = Buffer.alloc(0);
  /** Frontend: still in startup (untyped messages). */
  untyped: boolean;
  /** Backend: raw bytes to pass before the next message (the answer to an SSL/GSS request). */
  raw = 0;
  constructor(untyped: boolean) {
    this.untyped = untyped;
  }

  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const b = this.#buf;
      let size: number;
      if (this.raw > 0) size = Math.min(this.raw, b.length);
      else if (this.untyped) size = b.length >= 4 ? b.readInt32BE(0) : Number.POSITIVE_INFINITY;
      else size = b.length >= 5 ? 1 + b.readInt32BE(1) : Number.POSITIVE_INFINITY;
      if (size === 0 || b.length < size) return out;
      if (this.raw > 0) this.raw -= size;
      out.push(b.subarray(0, size));
      this.#buf = b.subarray(size);
    }
  }
}

/** An ErrorResponse then ReadyForQuery: the server refused the round trip without running it. */
function refusal(txStatus: number): Buffer {
  const fields = Buffer.from(
    'SERROR\0VERROR\0C57P03\0MService Unavailable (injected fault)\0\0',
    'latin1',
  );
  const error = Buffer.alloc(5);
  error.write('E', 0, 'latin1');
  error.writeInt32BE(4 + fields.length, 1);
  const ready = Buffer.from([0x5a, 0, 0, 0, 5, txStatus]);
  return Buffer.concat([error, fields, ready]);
}

interface Link {
  ws: WebSocket;
  tcp: Socket;
  /** What a fault did to this connection's current round trip. */
  fault: Cue | undefined;
}

/** Pipes one WebSocket to its TCP connection, applying faults to each round trip. */
function pipe(
  ws: WebSocket,
  tcp: Socket,
  proxy: NeonWsProxy,
  pick: (f: Faults) => Cue | undefined,
) {
  const link: Link = { ws, tcp, fault: undefined };
  const front = new Framer(true);
  const back = new Framer(false);
  let ready = false; // startup done: faults apply from here on
  let txStatus = 0x49; // 'I', from the last ReadyForQuery
  let pending: Buffer[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  const cut = () => {
    ws.terminate();
    tcp.destroy();
  };

  const roundTrip = async (messages: Buffer[], faultable: boolean) => {
    const fault = faultable ? pick(proxy.faults) : undefined;
    if (faultable) proxy.requests++;
    link.fault = fault;
    if (fault === 'refuse') return cut();
    if (fault === 'stall') return; // nothing forwarded, nothing answered
    if (fault === 'error-5xx') {
      if (ws.readyState === ws.OPEN) ws.send(refusal(txStatus), { binary: true });
      link.fault = undefined;
      return;
    }
    if (proxy.faults.delayMs) await new Promise((r) => setTimeout(r, proxy.faults.delayMs));
    // net.Socket queues writes made while it is still connecting.
    tcp.write(Buffer.concat(messages));
  };

  const send = (faultable: boolean) => {
    const messages = pending;
    pending = [];
    void roundTrip(messages, faultable);
  };

  ws.on('message', (data) => {
    for (const m of front.push(toBuffer(data))) {
      if (front.untyped) {
        const code = m.length >= 8 ? m.readInt32BE(4) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) back.raw = 1;
        else front.untyped = false; // the startup message (or a cancel request)
        tcp.write(m);
        continue;
      }
      if (!ready) {
        tcp.write(m);
        continue;
      }
      pending.push(m);
      const type = String.fromCharCode(m[0]!);
      clearTimeout(flushTimer);
      // Sync and Query end a round trip; Terminate and COPY traffic pass unfaulted. pg sends a
      // Flush before each Sync: forwarding at it would run the statement outside the round
      // trip's fault, so a Flush waits briefly for its Sync (and passes alone, for cursors).
      if (type === 'S' || type === 'Q' || 'Xdcf'.includes(type)) send(type === 'S' || type === 'Q');
      else if (type === 'H') flushTimer = setTimeout(() => send(false), 20);
    }
  });
  tcp.on('data', (chunk: Buffer) => {
    const out: Buffer[] = [];
    for (const m of back.push(chunk)) {
      const isReady = m.length === 6 && m[0] === 0x5a;
      if (link.fault === 'drop-after') {
        // The round trip has run (and committed, at its Sync or Query): lose the answer.
        if (isReady) return cut();
        continue;
      }
      if (isReady) {
        ready = true;
        txStatus = m[5]!;
      }
      out.push(m);
    }
    if (out.length && ws.readyState === ws.OPEN) ws.send(Buffer.concat(out), { binary: true });
  });
  ws.on('close', () => {
    clearTimeout(flushTimer);
    tcp.end();
  });
  ws.on('error', () => tcp.destroy());
  tcp.on('close', () => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close();
  });
  tcp.on('error', () => ws.terminate());
}

/**
 * Starts the proxy on `host:port` (default 127.0.0.1, a free port); each WebSocket opens its own
 * TCP connection to the loopback address it names.
 *
 * @example
 * const proxy = await startNeonWsProxy();
 * Object.assign(neonConfig, neonWsConfig(proxy), { webSocketConstructor: ws });
 */
export async function startNeonWsProxy(opts: NeonWsProxyOptions = {}): Promise<NeonWsProxy> {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<Socket>();
  const stats = newStats();
  const pick = faultPicker(opts.seed ?? 1, stats);

  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket upgrade required\n');
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (proxy.faults.down) {
      stats.refused++;
      if (socket instanceof Socket) socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
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
      pipe(ws, tcp, proxy, pick);
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
    requests: 0,
    faults: opts.faults ?? {},
    stats,
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
