/**
 * `/dashboard/queues/:queue?state=&limit=&cursor=`: one queue's jobs in one state, in id
 * (creation) order, a page at a time through the list's cursor; tabs for the other states;
 * pause and resume; replay of one dead job or all of them.
 *
 * @example
 * app.get('/queues/:queue', guard('admin', 'queue'), (c) => jobsPage(c, deps));
 */
import type { Context } from 'hono';
import { JOB_STATES, type JobState } from '../../drivers/types.js';
import { EdgeqError } from '../../errors.js';
import type { AppEnv } from '../../handlers/auth.js';
import { parse } from '../../handlers/body.js';
import { queueParam } from '../../handlers/params.js';
import { pageQuery } from '../../handlers/schemas.js';
import { nsOf } from '../../handlers/scope.js';
import type { JobView } from '../../runtime/views.js';
import { type DashboardDeps, viewerOf } from '../deps.js';
import { clip, preview, Time } from '../format.js';
import { Action, Layout, render } from '../layout.js';
import { jobPath, noticeText, queueActionPath, queuePath } from '../paths.js';
import { PauseButton } from './queues.js';

/** Rows per page unless `?limit=` (1 to the API's list maximum) says otherwise. */
export const PAGE_SIZE = 50;

function stateOf(raw: string | undefined): JobState {
  if (raw === undefined) return 'queued';
  if (!(JOB_STATES as readonly string[]).includes(raw)) {
    throw new EdgeqError('invalid_request', `state must be one of ${JOB_STATES.join(', ')}`, {
      field: 'state',
    });
  }
  return raw as JobState;
}

function Row({ job, now, back }: { job: JobView; now: number; back: string }) {
  return (
    <tr data-job={job.id}>
      <td class="mono id">
        <a href={jobPath(job.id)}>{job.id}</a>
      </td>
      <td class="n">
        {job.attempt}/{job.maxAttempts}
      </td>
      <td class="n">{job.priority}</td>
      <td>
        <Time
          at={job.state === 'completed' || job.state === 'dead' ? job.finishedAt : job.runAt}
          now={now}
        />
      </td>
      <td class="mono">{job.group ?? ''}</td>
      <td class="mono">{preview(job.payload)}</td>
      <td>{job.lastError === undefined ? '' : clip(job.lastError, 120).text}</td>
      <td>
        {job.state === 'dead' ? (
          <Action
            action={queueActionPath(job.queue, 'replay')}
            label="Replay"
            back={back}
            fields={{ id: job.id }}
          />
        ) : (
          ''
        )}
      </td>
    </tr>
  );
}

export async function jobsPage(c: Context<AppEnv>, deps: DashboardDeps): Promise<Response> {
  const { rt } = deps;
  const name = queueParam(c);
  const ns = nsOf(c);
  const { state: rawState, done, n, ...rest } = c.req.query();
  const state = stateOf(rawState);
  const page = parse(pageQuery, rest);
  const limit = page.limit ?? PAGE_SIZE;
  const [info, list] = await Promise.all([
    rt.queue(name, ns),
    rt.list(name, state, { limit, ...(page.cursor ? { cursor: page.cursor } : {}) }, ns),
  ]);
  const now = rt.now();
  const here = queuePath(name, {
    state,
    ...(page.limit ? { limit } : {}),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  });
  const size = page.limit ? { limit } : {};
  return render(
    c,
    <Layout title={name} viewer={viewerOf(c, deps)} section="queues" notice={noticeText(done, n)}>
      <h1>
        Queue <code>{name}</code>{' '}
        {info.paused ? <span class="tag paused">paused</span> : <span class="tag">running</span>}
      </h1>
      <p>
        <PauseButton q={info} back={here} />{' '}
        {info.counts.dead > 0 ? (
          <Action
            action={queueActionPath(name, 'replay')}
            label={`Replay all ${info.counts.dead} dead`}
            back={here}
          />
        ) : (
          ''
        )}
      </p>
      <p class="tabs">
        {JOB_STATES.map((s) => (
          <a href={queuePath(name, { state: s, ...size })} class={s === state ? 'on' : undefined}>
            {s} {info.counts[s]}
          </a>
        ))}
      </p>
      {list.jobs.length === 0 ? (
        <p class="muted">
          No {state} jobs{page.cursor ? ' after this point' : ''}.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>id</th>
              <th class="n">attempt</th>
              <th class="n">priority</th>
              <th>{state === 'completed' || state === 'dead' ? 'finished' : 'runs at'}</th>
              <th>group</th>
              <th>payload</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.jobs.map((j) => (
              <Row job={j} now={now} back={here} />
            ))}
          </tbody>
        </table>
      )}
      <p class="pager">
        {page.cursor ? <a href={queuePath(name, { state, ...size })}>First page</a> : ''}
        {list.cursor ? (
          <a href={queuePath(name, { state, ...size, cursor: list.cursor })} rel="next">
            Next page
          </a>
        ) : (
          ''
        )}
      </p>
    </Layout>,
  );
}
