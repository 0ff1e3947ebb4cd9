/**
 * Names of the store commands (src/node/commands), apart from their code, so src/node/cli.ts
 * can tell them without importing them: they are loaded on use, and `edgeq serve` never is.
 */
export const STORE_COMMANDS = [
  'enqueue',
  'stats',
  'jobs',
  'dead',
  'schedules',
  'tick',
  'copy',
] as const;

/** A store command's name. */
export type StoreCommand = (typeof STORE_COMMANDS)[number];

/** Whether `name` is a store command. */
export function isStoreCommand(name: string | undefined): name is StoreCommand {
  return (STORE_COMMANDS as readonly string[]).includes(name ?? '');
}

/** The lines src/node/cli.ts shows for them in `edgeq help`. */
export const STORE_HELP = `  edgeq enqueue <queue> [payload | -]     add a job (--key, --delay, --run-at, --priority, ...)
  edgeq stats [queue]                     queues with their job counts per state
  edgeq jobs <queue> [--state queued]     a page of a queue's jobs; edgeq jobs get <id>: one job
  edgeq dead list|replay <queue>          dead jobs: list them, or put them back to wait
  edgeq schedules [list|get|put|delete|pause|resume]   cron schedules
  edgeq tick                              run the scheduled work once and print its counts
  edgeq copy --from <store> --to <store>  copy waiting and dead jobs, schedules and settings to
                                          another store, then check the counts (--dry-run)
  These act on the configured store (the one edgeq serve would use) in --ns (default
  "default"); --json prints JSON; edgeq help <command> for each one's flags. Exit codes:
  0 done, 1 failed (store, not found, copy check), 2 usage (flags, JSON, environment).`;
