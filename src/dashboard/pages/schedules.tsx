/**
 * `/dashboard/schedules`: the namespace's cron schedules with their next slot, pause and resume.
 * Schedules span every queue of the namespace, so, as in the API, a token with a queue list is
 * refused (the route's guard).
 *
 * @example
 * app.get('/schedules', guard('admin', 'namespace'), (c) => schedulesPage(c, deps));
 */
import type { Context } from 'hono';
import { listSchedules } from '../../cron/store.js';
import type { AppEnv } from '../../handlers/auth.js';
import { nsOf } from '../../handlers/scope.js';
import { type DashboardDeps, viewerOf } from '../deps.js';
import { preview, Time } from '../format.js';
import { Action, Layout, render } from '../layout.js';
import { noticeText, queuePath, scheduleActionPath, schedulesPath } from '../paths.js';

export async function schedulesPage(c: Context<AppEnv>, deps: DashboardDeps): Promise<Response> {
  const schedules = await listSchedules(deps.rt, nsOf(c));
  const now = deps.rt.now();
  const back = schedulesPath();
  return render(
    c,
    <Layout
      title="Schedules"
      viewer={viewerOf(c, deps)}
      section="schedules"
      notice={noticeText(c.req.query('done'), c.req.query('n'))}
    >
      <h1>Schedules</h1>
      {schedules.length === 0 ? (
        <p class="muted">
          No schedules. Define them in code (<code>createRuntime({'{ schedules }'})</code>) or with{' '}
          <code>PUT /v1/schedules/:name</code>.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>name</th>
              <th>cron</th>
              <th>time zone</th>
              <th>queue</th>
              <th>next run</th>
              <th class="n">catch-up</th>
              <th>payload</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr data-schedule={s.name}>
                <td class="mono">{s.name}</td>
                <td class="mono">{s.cron}</td>
                <td>{s.tz}</td>
                <td class="mono">
                  <a href={queuePath(s.queue)}>{s.queue}</a>
                </td>
                <td>
                  <Time at={s.nextRunAt} now={now} />
                </td>
                <td class="n">{s.catchUp}</td>
                <td class="mono">{preview(s.payload ?? null)}</td>
                <td>
                  {s.paused ? (
                    <span class="tag paused">paused</span>
                  ) : (
                    <span class="tag">active</span>
                  )}
                </td>
                <td>
                  {s.paused ? (
                    <Action
                      action={scheduleActionPath(s.name, 'resume')}
                      label="Resume"
                      back={back}
                    />
                  ) : (
                    <Action
                      action={scheduleActionPath(s.name, 'pause')}
                      label="Pause"
                      back={back}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted">
        Each tick enqueues the schedule's due slots, and those of the next two minutes as delayed
        jobs; a paused schedule enqueues nothing.
      </p>
    </Layout>,
  );
}
