/** Path parameters, validated like bodies so a bad name is a 400 that names it. */
import type { Context } from 'hono';
import { EdgeqError } from '../errors.js';
import { QUEUE_NAME_RULE } from '../runtime/config.js';
import { jobId, queueName } from './schemas.js';

export function queueParam(c: Context): string {
  const r = queueName.safeParse(c.req.param('queue'));
  if (!r.success) {
    throw new EdgeqError('invalid_request', `queue name ${QUEUE_NAME_RULE}`, { field: 'queue' });
  }
  return r.data;
}

export function idParam(c: Context): string {
  const r = jobId.safeParse(c.req.param('id'));
  if (!r.success) throw new EdgeqError('invalid_request', 'not a job id', { field: 'id' });
  return r.data;
}
