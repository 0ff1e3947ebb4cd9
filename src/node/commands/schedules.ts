/** `edgeq schedules [list|get|put|delete|pause|resume]`: cron schedules in the store. */
import {
  deleteSchedule,
  getSchedule,
  listSchedules,
  putSchedule,
  type ScheduleView,
  setSchedulePaused,
} from '../../cron/store.js';
import { EdgeqError } from '../../errors.js';
import { scheduleBody } from '../../handlers/routes/schedules.js';
import { bool, int, jsonArg, name, type Parsed, parseFlags, str, usage } from './args.js';
import { type Command, type CommandContext, withRuntime } from './context.js';
import { table, when } from './output.js';

const HELP = `Usage: edgeq schedules [list]
       edgeq schedules get|delete|pause|resume <name>
       edgeq schedules put <name> --cron <expr> --queue <queue> [flags]

Cron schedules of the namespace: each enqueues one job per slot into its queue when the tick
runs (edgeq serve's timer, a Cron Trigger, or edgeq tick). put creates or replaces one.

Flags of put:
  --cron <expr>        5 fields, or 6 with leading seconds; @daily, @hourly, ...
  --queue <queue>      the queue each slot's job goes to
  --tz <zone>          IANA time zone the fields are read in (default UTC)
  --payload <json>     the jobs' payload (default null)
  --priority <n>, --max-attempts <n>   the jobs' settings
  --catch-up <n>       missed slots to enqueue after a gap, 1 to 100 (default 1)
  --paused             store it paused
Common flags:
  --ns <namespace>     namespace (default "default")
  --json               print JSON
  --db <file>          the libSQL file when no other store is configured (.edgeq/edgeq.db)

Example:
  edgeq schedules put nightly-report --cron '0 3 * * *' --tz Europe/Paris --queue reports`;

function input(p: Parsed): unknown {
  const cron = str(p, 'cron');
  const queue = str(p, 'queue');
  if (cron === undefined) throw usage('put needs --cron, e.g. --cron "*/5 * * * *"');
  if (queue === undefined) throw usage('put needs --queue');
  const out: Record<string, unknown> = { cron, queue };
  const tz = str(p, 'tz');
  const payload = str(p, 'payload');
  const priority = str(p, 'priority');
  const maxAttempts = str(p, 'max-attempts');
  const catchUp = str(p, 'catch-up');
  if (tz !== undefined) out.tz = tz;
  if (payload !== undefined) out.payload = jsonArg(payload, '--payload');
  if (priority !== undefined) out.priority = int(priority, '--priority', -1e6, 1e6);
  if (maxAttempts !== undefined) out.maxAttempts = int(maxAttempts, '--max-attempts', 1, 1_000);
  if (catchUp !== undefined) out.catchUp = int(catchUp, '--catch-up', 1, 100);
  if (bool(p, 'paused')) out.paused = true;
  return out;
}

function print(ctx: CommandContext, p: Parsed, s: ScheduleView, verb: string): void {
  if (bool(p, 'json')) ctx.out(JSON.stringify(s));
  else
    ctx.out(`${verb} schedule ${s.name}${s.nextRunAt ? ` (next run ${when(s.nextRunAt)})` : ''}`);
}

const ACTIONS = ['list', 'get', 'put', 'delete', 'pause', 'resume'];

/** `edgeq schedules`. */
export const schedulesCommand: Command = {
  name: 'schedules',
  summary: 'cron schedules: list, get, put, delete, pause, resume',
  help: HELP,
  async run(args, ctx) {
    const p = parseFlags(args, {
      cron: { type: 'string' },
      queue: { type: 'string' },
      tz: { type: 'string' },
      payload: { type: 'string' },
      priority: { type: 'string' },
      'max-attempts': { type: 'string' },
      'catch-up': { type: 'string' },
      paused: { type: 'boolean', default: false },
    });
    const [action = 'list', raw, ...rest] = p.positionals;
    if (!ACTIONS.includes(action)) {
      throw usage(`give one of ${ACTIONS.join(', ')}, got "${action}"`);
    }
    if (rest.length || (action === 'list' && raw !== undefined)) throw usage('too many arguments');
    if (action === 'list') {
      const all = await withRuntime(ctx, p, (rt, ns) => listSchedules(rt, ns));
      if (bool(p, 'json')) ctx.out(JSON.stringify({ schedules: all }));
      else if (!all.length) ctx.out('no schedules');
      else {
        const rows = all.map((s) => [
          s.name,
          s.cron,
          s.tz,
          s.queue,
          s.paused ? 'yes' : 'no',
          when(s.nextRunAt),
        ]);
        const header = ['NAME', 'CRON', 'TZ', 'QUEUE', 'PAUSED', 'NEXT RUN'];
        for (const line of table(header, rows)) ctx.out(line);
      }
      return 0;
    }
    const schedule = name(raw, 'schedule name');
    if (action === 'put') {
      const checked = scheduleBody.safeParse(input(p));
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw new EdgeqError('invalid_request', issue.message, { field: issue.path.join('.') });
      }
      const { schedule: s, created } = await withRuntime(ctx, p, (rt, ns) =>
        putSchedule(rt, schedule, checked.data, ns),
      );
      print(ctx, p, s, created ? 'created' : 'replaced');
      return 0;
    }
    if (action === 'get') {
      const s = await withRuntime(ctx, p, (rt, ns) => getSchedule(rt, schedule, ns));
      ctx.out(bool(p, 'json') ? JSON.stringify(s) : JSON.stringify(s, null, 2));
      return 0;
    }
    if (action === 'delete') {
      await withRuntime(ctx, p, (rt, ns) => deleteSchedule(rt, schedule, ns));
      ctx.out(
        bool(p, 'json')
          ? JSON.stringify({ name: schedule, deleted: true })
          : `deleted schedule ${schedule}`,
      );
      return 0;
    }
    const paused = action === 'pause';
    const s = await withRuntime(ctx, p, (rt, ns) => setSchedulePaused(rt, schedule, paused, ns));
    print(ctx, p, s, paused ? 'paused' : 'resumed');
    return 0;
  },
};
