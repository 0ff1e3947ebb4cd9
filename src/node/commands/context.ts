/**
 * What a store command runs with: how the configured store is picked (`pickDriver` from
 * src/node/cli.ts, so every command chooses it exactly as `edgeq serve` does), where its output
 * goes, and a runtime over the store for the duration of one command.
 */
import type { Driver } from '../../drivers/types.js';
import { createLogger, logLevelFromEnv } from '../../observe/log.js';
import { limitsFromEnv } from '../../runtime/env.js';
import { createRuntime, type Runtime } from '../../runtime/runtime.js';
import { name, type Parsed, str, usage } from './args.js';

/** `pickDriver` of src/node/cli.ts: the store the environment configures. */
export type PickDriver = (
  env: Record<string, unknown>,
  db: string,
) => { driver: Driver; where: string };

export interface CommandContext {
  pickDriver: PickDriver;
  env: Record<string, unknown>;
  /** One line of the command's result (stdout). */
  out: (line: string) => void;
  /** One line of progress or diagnostics (stderr). */
  err: (line: string) => void;
  /** Raw progress output on stderr (a TTY's progress bar rewrites its line). */
  write: (text: string) => void;
  /** Whether stderr is a terminal (progress bar) or a log (plain lines). */
  tty: boolean;
  /** All of stdin, as text (`edgeq enqueue q -`). */
  stdin: () => Promise<string>;
}

/** One store command: its help text and its run, which resolves to the exit code. */
export interface Command {
  name: string;
  /** One line for `edgeq help`. */
  summary: string;
  /** The text of `edgeq help <name>` and `--help`. */
  help: string;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

/**
 * Runs `fn` with a runtime over the configured store (`--db` is the default file) in the
 * namespace `--ns`, and closes the store afterwards. The runtime logs nothing about failed
 * storage calls: the command reports them itself, once.
 */
export async function withRuntime<T>(
  ctx: CommandContext,
  p: Parsed,
  fn: (rt: Runtime, ns: string) => Promise<T>,
): Promise<T> {
  const ns = name(str(p, 'ns'), 'namespace');
  let limits: ReturnType<typeof limitsFromEnv>;
  try {
    limits = limitsFromEnv(ctx.env);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const { driver } = ctx.pickDriver(ctx.env, str(p, 'db') ?? '.edgeq/edgeq.db');
  const rt = createRuntime({
    driver,
    limits,
    // On Node nothing caps a tick's storage calls (the default 40 is the Workers free plan's).
    tick: { maxCalls: 10_000 },
    log: createLogger({ level: logLevelFromEnv(ctx.env, 'warn') }),
  });
  rt.logStorageErrors = false;
  try {
    return await fn(rt, ns);
  } finally {
    await driver.close();
  }
}
