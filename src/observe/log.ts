/**
 * The structured logger: one JSON object per line, `{time, level, msg, requestId, ...fields}`.
 *
 * One logger serves the request path, the runtime's background work and the Worker's cron
 * handler. Callers pass only fields that are safe to keep: ids, names, counts, codes and error
 * descriptions cleaned by `describeError`, never a token, a lease token, a payload or a result.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.child({ requestId: 'a1b2' }).info('request', { method: 'GET', status: 200 });
 * // {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"request","requestId":"a1b2",...}
 */
import { newLeaseToken } from '../runtime/ids.js';

/** Log levels, lowest first (`EDGEQ_LOG` takes one of these). */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'off'] as const;
/** `off` writes nothing; each other level writes its own lines and those above it. */
export type LogLevel = (typeof LOG_LEVELS)[number];
type LineLevel = Exclude<LogLevel, 'off'>;

/** Values a log line may carry: JSON scalars, arrays and plain records of them. */
export type LogValue = string | number | boolean | null | undefined | LogValue[] | LogFields;
/** The fields of a line beyond time, level and msg. */
export interface LogFields {
  [field: string]: LogValue;
}

/** Writes lines; `child` binds fields (a request id) to every line it writes. */
export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written (skip building costly fields otherwise). */
  enabled(level: LineLevel): boolean;
  /** A logger whose every line also carries `fields` (a request's `requestId`, say). */
  child(fields: LogFields): Logger;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /**
   * Where a finished line goes (default: `console.log` for debug and info, `console.warn` and
   * `console.error` above: stdout and stderr on Node, the Worker's log stream on Cloudflare).
   */
  write?: (line: string, level: LineLevel) => void;
  /** Wall clock for `time` (default `Date.now`). */
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, off: 99 };

function consoleWrite(line: string, level: LineLevel): void {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

/**
 * A logger as a class: `child` allocates one object per request, where closures would cost
 * six (the request middleware makes a child for every request, logged or not).
 */
class JsonLogger implements Logger {
  constructor(
    readonly level: LogLevel,
    private readonly write: (line: string, level: LineLevel) => void,
    private readonly now: () => number,
    private readonly bound: LogFields,
  ) {}

  #emit(lineLevel: LineLevel, msg: string, fields?: LogFields): void {
    if (RANK[lineLevel] < RANK[this.level]) return;
    // time, level and msg first, so a person scanning raw lines reads them left to right.
    const line = { time: new Date(this.now()).toISOString(), level: lineLevel, msg, ...this.bound };
    this.write(JSON.stringify(fields ? Object.assign(line, fields) : line), lineLevel);
  }

  debug(msg: string, fields?: LogFields): void {
    this.#emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.#emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.#emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.#emit('error', msg, fields);
  }
  enabled(level: LineLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.level, this.write, this.now, { ...this.bound, ...fields });
  }
}

/** Creates a logger. @example createLogger({ level: logLevelFromEnv(env, 'info') }) */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return new JsonLogger(opts.level ?? 'info', opts.write ?? consoleWrite, opts.now ?? Date.now, {});
}

/**
 * `EDGEQ_LOG` from env: `debug`, `info`, `warn`, `error` or `off`; `fallback` when unset.
 * Throws on any other value, naming the variable, so a typo stops startup.
 */
export function logLevelFromEnv(env: Record<string, unknown>, fallback: LogLevel): LogLevel {
  const raw = env.EDGEQ_LOG;
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'string' && (LOG_LEVELS as readonly string[]).includes(raw)) {
    return raw as LogLevel;
  }
  throw new Error(`EDGEQ_LOG must be one of ${LOG_LEVELS.join(', ')}`);
}

/** A new id for a request or a unit of background work (16 hex characters, 64 random bits). */
export function newRequestId(): string {
  return newLeaseToken().slice(0, 16);
}

/** X-Request-Id values adopted as they are: short, and nothing a log reader could trip on. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's request id when it is a safe short token, else a new one. */
export function requestIdFrom(header: string | undefined | null): string {
  return header && SAFE_REQUEST_ID.test(header) ? header : newRequestId();
}
