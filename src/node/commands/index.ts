/**
 * The store commands of `edgeq`: each acts on the configured store directly, through a Runtime
 * (no server needed). `runCommand` runs one and turns every failure into one line on stderr and
 * an exit code: 2 for what was typed (flags, JSON, environment), 1 for what happened (the store
 * failed, a job does not exist, a copy's counts differ). Never a stack trace, never a payload.
 *
 * @example
 * const code = await runCommand('stats', ['--json'], { pickDriver, env: process.env, ... });
 */
import { EdgeqError } from '../../errors.js';
import { describe } from '../../runtime/runtime.js';
import { CliError } from './args.js';
import type { Command, CommandContext } from './context.js';
import { copyCommand } from './copy.js';
import { enqueueCommand } from './enqueue.js';
import { deadCommand, jobsCommand } from './jobs.js';
import type { StoreCommand } from './names.js';
import { schedulesCommand } from './schedules.js';
import { statsCommand } from './stats.js';
import { tickCommand } from './tick.js';

export type { CommandContext, PickDriver } from './context.js';

const COMMANDS: Record<StoreCommand, Command> = {
  enqueue: enqueueCommand,
  stats: statsCommand,
  jobs: jobsCommand,
  dead: deadCommand,
  schedules: schedulesCommand,
  tick: tickCommand,
  copy: copyCommand,
};

/** The text of `edgeq help <name>`. */
export function commandHelp(name: StoreCommand): string {
  return COMMANDS[name].help;
}

/** API field names as the flags that set them, for messages about a field. */
const FLAGS: Record<string, string> = {
  delayMs: '--delay',
  runAt: '--run-at',
  maxAttempts: '--max-attempts',
  catchUp: '--catch-up',
  priority: '--priority',
  key: '--key',
  group: '--group',
  cron: '--cron',
  tz: '--tz',
  queue: '--queue',
  payload: 'the payload',
  name: 'the name',
};

/** One line and an exit code for a failure. */
export function failure(err: unknown): { message: string; exitCode: 1 | 2 } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode };
  if (err instanceof EdgeqError) {
    if (err.code === 'invalid_request') {
      const field = err.field === undefined ? '' : `${FLAGS[err.field] ?? err.field}: `;
      return { message: `${field}${err.message}`, exitCode: 2 };
    }
    if (err.code === 'driver_unavailable') {
      const why = err.cause === undefined ? '' : `: ${describe(err.cause)}`;
      return {
        message: `the store failed or cannot be reached${why} (check its settings: edgeq help)`,
        exitCode: 1,
      };
    }
    return { message: err.message, exitCode: 1 };
  }
  return { message: describe(err), exitCode: 1 };
}

/** Runs a store command; resolves to its exit code (never rejects). */
export async function runCommand(
  name: StoreCommand,
  args: string[],
  ctx: CommandContext,
): Promise<number> {
  const command = COMMANDS[name];
  if (args.includes('--help') || args.includes('-h')) {
    ctx.out(command.help);
    return 0;
  }
  try {
    return await command.run(args, ctx);
  } catch (err) {
    const { message, exitCode } = failure(err);
    // One line: what went wrong, and for a usage error where the usage is.
    ctx.err(`edgeq ${name}: ${message}${exitCode === 2 ? ` (edgeq help ${name})` : ''}`);
    return exitCode;
  }
}
