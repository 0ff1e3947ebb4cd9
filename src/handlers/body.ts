/** Reads and validates request bodies and queries, turning every failure into a 400 with a field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { EdgeqError } from '../errors.js';

/** The first issue of a failed parse, as a 400 naming the field. */
export function invalid(error: z.ZodError): EdgeqError {
  const issue = error.issues[0];
  if (!issue) return new EdgeqError('invalid_request', 'invalid request');
  let path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    path = path ? `${path}.${key}` : key;
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  } else if (path) {
    message = `${path}: ${message}`;
  }
  return new EdgeqError('invalid_request', message, path ? { field: path } : {});
}

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error);
  return r.data;
}

/**
 * The body as JSON. The size limit is enforced before this by `bodyLimit`. An empty body is `{}`
 * unless `required`.
 */
export async function readJson(c: Context, required = false): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (required) throw new EdgeqError('invalid_request', 'a JSON body is required');
    return {};
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new EdgeqError('invalid_request', 'body is not valid JSON');
  }
}

export async function body<S extends z.ZodType>(
  c: Context,
  schema: S,
  required = false,
): Promise<z.infer<S>> {
  return parse(schema, await readJson(c, required));
}
