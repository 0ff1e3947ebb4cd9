/**
 * `/dashboard/jobs/:id`: every field the store keeps of one job, its payload and result as
 * escaped, pretty-printed JSON (clipped), and replay when it is dead. The store keeps a job's
 * current state, not a log of its attempts; the page says so.
 *
 * @example
 * app.get('/jobs/:id', guard('admin', 'self'), (c) => jobPage(c, deps));
 */
import type { Context } from 'hono';
import type { JobRecord } from '../../drivers/types.js';
import { EdgeqError } from '../../errors.js';
import type { AppEnv } from '../../handlers/auth.js';
import { idParam } from '../../handlers/params.js';
import { allowQueue, nsOf } from '../../handlers/scope.js';
import { type DashboardDeps, viewerOf } from '../deps.js';
import { clip, Json, MAX_SHOWN, Time } from '../format.js';
import { Action, Layout, render } from '../layout.js';
import { jobPath, noticeText, queueActionPath, queuePath } from '../paths.js';

/** A row of the field list; absent values show as a dash, so every field is always listed. */
function Field({ name, children }: { name: string; children?: unknown }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children === undefined || children === '' ? <span class="muted">—</span> : children}</dd>
    </>
  );
}

/** What the store's history of a job amounts to, in the page's words. */
const HISTORY =
  'The store keeps each job as it is now, not a log of its attempts: the attempt count, the ' +
  'last error (earlier ones are overwritten), when it was created, last changed, leased until ' +
  'and finished. Finished jobs are pruned after their retention period.';

export async function jobPage(c: Context<AppEnv>, deps: DashboardDeps): Promise<Response> {
  const { rt } = deps;
  const id = idParam(c);
  const ns = nsOf(c);
  const now = rt.now();
  // The record rather than `rt.get`'s API view: it also holds the lease length and the backoff.
  const job: JobRecord | null = await rt.call(() => rt.driver.get({ ns, now, id }));
  if (!job) throw new EdgeqError('not_found', `job ${id} does not exist`);
  allowQueue(c, job.queue);
  const here = jobPath(id);
  const error = job.lastError === undefined ? undefined : clip(job.lastError, MAX_SHOWN);
  return render(
    c,
    <Layout
      title={`Job ${id}`}
      viewer={viewerOf(c, deps)}
      section="queues"
      notice={noticeText(c.req.query('done'), c.req.query('n'))}
    >
      <h1>
        Job <code>{id}</code> <span class={`tag ${job.state}`}>{job.state}</span>
      </h1>
      {job.state === 'dead' ? (
        <p>
          <Action
            action={queueActionPath(job.queue, 'replay')}
            label="Replay"
            back={here}
            fields={{ id }}
          />
        </p>
      ) : (
        ''
      )}
      <dl>
        <Field name="queue">
          <a href={queuePath(job.queue, { state: job.state })}>{job.queue}</a>
        </Field>
        <Field name="state">{job.state}</Field>
        <Field name="attempts">
          {job.attempt} of {job.maxAttempts}
        </Field>
        <Field name="priority">{job.priority}</Field>
        <Field name="created">
          <Time at={job.createdAt} now={now} />
        </Field>
        <Field name="runs at">
          <Time at={job.runAt} now={now} />
        </Field>
        <Field name="last changed">
          <Time at={job.updatedAt} now={now} />
        </Field>
        <Field name="leased until">
          {job.leaseExpiresAt === undefined ? '' : <Time at={job.leaseExpiresAt} now={now} />}
        </Field>
        <Field name="finished">
          {job.finishedAt === undefined ? '' : <Time at={job.finishedAt} now={now} />}
        </Field>
        <Field name="deadline">
          {job.expiresAt === undefined ? '' : <Time at={job.expiresAt} now={now} />}
        </Field>
        <Field name="lease length">{`${job.leaseMs.toLocaleString('en')} ms`}</Field>
        <Field name="backoff">
          {job.backoff ? <code>{JSON.stringify(job.backoff)}</code> : "the queue's or the default"}
        </Field>
        <Field name="idempotency key">{job.key}</Field>
        <Field name="debounce key">{job.debounceKey}</Field>
        <Field name="group">{job.group}</Field>
      </dl>
      <h2>Last error</h2>
      {error ? <pre class="json">{error.text}</pre> : <p class="muted">None.</p>}
      <h2>Result</h2>
      {job.result === undefined ? <p class="muted">None.</p> : <Json text={job.result} />}
      <h2>Payload</h2>
      <Json text={job.payload} />
      <h2>History</h2>
      <p class="muted">{HISTORY}</p>
    </Layout>,
  );
}
