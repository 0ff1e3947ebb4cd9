/**
 * Flag parsing for the store commands: node:util's parseArgs (strict), with its errors turned
 * into one line a person can act on, and the value parsers the commands share. Every problem
 * with what was typed is a `CliError` with exit code 2.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../../runtime/config.js';

/** A failure the command reports as one line `edgeq <command>: <message>`, never a stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** 2: what was typed (flags, JSON, environment); 1: what happened (store, state, counts). */
  readonly exitCode: 1 | 2;

  constructor(message: string, exitCode: 1 | 2 = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A usage error (exit code 2). @example throw usage('--limit must be 1 to 1000') */
export const usage = (message: string): CliError => new CliError(message, 2);

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every store command takes. */
export const COMMON: Options = {
  ns: { type: 'string', default: 'default' },
  json: { type: 'boolean', default: false },
  db: { type: 'string', default: '.edgeq/edgeq.db' },
  help: { type: 'boolean', short: 'h', default: false },
};

/** Flags by name and the positional arguments, as parseArgs gives them. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Strict parse of `args`; unknown flags and missing values become usage errors. */
export function parseFlags(args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    throw usage(flagProblem(err));
  }
}

function flagProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${flag}`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trim();
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('ambiguous')) return `write a value that starts with - as ${flag}=-5`;
    if (message.includes('does not take an argument')) return `${flag} takes no value`;
    return `${flag} needs a value`;
  }
  return message.split('\n')[0]!;
}

/** The string value of a flag, if given. */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Whether a boolean flag was given. */
export function bool(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A repeatable flag (`--id a --id b`), each value also split on commas. */
export function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  const raw = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return raw.flatMap((s) => s.split(',')).filter((s) => s !== '');
}

/** A whole number in [min, max]. */
export function int(raw: string, flag: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500`, `500ms`, `30s`, `5m`, `2h`, `1d` as milliseconds (a bare number is ms). */
export function duration(raw: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw usage(`${flag} must be a duration like 500ms, 30s, 5m, 2h or 1d, got "${raw}"`);
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}

/** ISO 8601 (with an offset) or epoch ms, as the API takes it. */
export function time(raw: string, flag: string): number | string {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (Number.isFinite(Date.parse(raw)) && /[zZ]|[+-]\d\d:?\d\d$/.test(raw)) return raw;
  throw usage(`${flag} must be an ISO 8601 time with an offset (2030-01-02T03:04:05Z) or epoch ms`);
}

/** Parsed JSON, or a usage error that says how to quote it. */
export function jsonArg(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw usage(`${what} is not valid JSON (${why}); quote it for the shell: '{"to":"ada"}'`);
  }
}

/** A queue, schedule or namespace name, checked as the API checks it. */
export function name(raw: string | undefined, what: string): string {
  if (raw === undefined || raw === '') throw usage(`give the ${what}`);
  if (!QUEUE_NAME.test(raw)) throw usage(`${what} "${raw}" ${QUEUE_NAME_RULE}`);
  return raw;
}
