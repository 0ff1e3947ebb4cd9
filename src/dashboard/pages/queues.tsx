/**
 * `/dashboard` (every queue of the namespace with its counts per state, pause and resume) and
 * `/dashboard/dead` (the queues holding dead letters, with replay of all). A token with a queue
 * list sees only its queues.
 *
 * @example
 * app.get('/', guard('admin', 'self'), (c) => queuesPage(c, deps));
 */
import type { Context } from 'hono';
import { JOB_STATES, type QueueInfo } from '../../drivers/types.js';
import type { AppEnv } from '../../handlers/auth.js';
import { mayUse, nsOf } from '../../handlers/scope.js';
import { type DashboardDeps, viewerOf } from '../deps.js';
import { Action, Layout, render } from '../layout.js';
import { deadPath, noticeText, queueActionPath, queuePath, queuesPath } from '../paths.js';

/** The namespace's queues this token may see. */
async function visibleQueues(c: Context<AppEnv>, deps: DashboardDeps): Promise<QueueInfo[]> {
  const scope = c.get('scope');
  return (await deps.rt.queues(nsOf(c))).filter((q) => mayUse(scope, q.name));
}

const noticeOf = (c: Context) => noticeText(c.req.query('done'), c.req.query('n'));

/** The pause or resume button of a queue. */
export function PauseButton({ q, back }: { q: Pick<QueueInfo, 'name' | 'paused'>; back: string }) {
  return q.paused ? (
    <Action action={queueActionPath(q.name, 'resume')} label="Resume" back={back} />
  ) : (
    <Action action={queueActionPath(q.name, 'pause')} label="Pause" back={back} />
  );
}

export async function queuesPage(c: Context<AppEnv>, deps: DashboardDeps): Promise<Response> {
  const queues = await visibleQueues(c, deps);
  const back = queuesPath();
  return render(
    c,
    <Layout title="Queues" viewer={viewerOf(c, deps)} section="queues" notice={noticeOf(c)}>
      <h1>Queues</h1>
      {queues.length === 0 ? (
        <p class="muted">No queues yet: a queue appears when its first job is enqueued.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>queue</th>
              {JOB_STATES.map((s) => (
                <th class="n">{s}</th>
              ))}
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr data-queue={q.name}>
                <td class="mono">
                  <a href={queuePath(q.name)}>{q.name}</a>
                </td>
                {JOB_STATES.map((s) => (
                  <td class="n" data-state={s}>
                    <a href={queuePath(q.name, { state: s })}>{q.counts[s]}</a>
                  </td>
                ))}
                <td>
                  {q.paused ? (
                    <span class="tag paused">paused</span>
                  ) : (
                    <span class="tag">running</span>
                  )}
                </td>
                <td>
                  <PauseButton q={q} back={back} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted">
        Counts are read from the store now. Completed and cancelled jobs are kept for the retention
        period, then pruned by the tick.
      </p>
    </Layout>,
  );
}

export async function deadPage(c: Context<AppEnv>, deps: DashboardDeps): Promise<Response> {
  const queues = (await visibleQueues(c, deps)).filter((q) => q.counts.dead > 0);
  const back = deadPath();
  return render(
    c,
    <Layout title="Dead letters" viewer={viewerOf(c, deps)} section="dead" notice={noticeOf(c)}>
      <h1>Dead letters</h1>
      <p class="muted">
        A job is dead when it ran out of attempts, was sent there by a nack, or missed its deadline.
        Replaying puts it back in its queue with fresh attempts.
      </p>
      {queues.length === 0 ? (
        <p>No dead jobs.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>queue</th>
              <th class="n">dead</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr data-queue={q.name}>
                <td class="mono">
                  <a href={queuePath(q.name, { state: 'dead' })}>{q.name}</a>
                </td>
                <td class="n">{q.counts.dead}</td>
                <td>
                  <Action
                    action={queueActionPath(q.name, 'replay')}
                    label={`Replay all ${q.counts.dead}`}
                    back={back}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>,
  );
}
