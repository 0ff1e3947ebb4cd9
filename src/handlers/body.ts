/** Reads and validates request bodies and queries, turning every failure into a 400 with a field. */
import type { Context } from 'hono';
import type * as z from 'zod/mini';
import { EdgeqError } from '../errors.js';

/** The first issue of a failed parse, as a 400 naming the field. */
export function invalid(error: z.core.$ZodError): EdgeqError {
  const issue = error.issues[0];
  if (!issue) return new EdgeqError('invalid_request', 'invalid request');
  let path = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // Names the first unknown key only, clipped: the keys are the caller's, of any number and size.
    const key = clip(issue.keys[0] ?? '');
    path = path ? `${path}.${key}` : key;
    const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
    message = `unknown field ${key}${more}`;
  } else if (path) {
    message = `${path}: ${message}`;
  }
  return new EdgeqError('invalid_request', message, path ? { field: path } : {});
}

export function parse<S extends z.ZodMiniType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error);
  return r.data;
}

/** Longest field name an error message repeats: a hostile key may be a megabyte long. */
const MAX_ECHOED_NAME = 64;

function clip(name: string): string {
  return name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name;
}

/**
 * The byte count a request declares, or undefined when it is framed otherwise (chunked, or a
 * Request built in-process without one). `bodyLimit` trusts a Content-Length it can parse as a
 * number; anything it cannot (`abc`, `-1`, `10abc`) must not let a body through unmeasured.
 */
function declaredLength(req: Request): number | undefined {
  if (req.headers.has('transfer-encoding')) return undefined;
  const header = req.headers.get('content-length');
  if (header === null) return undefined;
  if (!/^\s*\d{1,15}\s*$/.test(header)) {
    throw new EdgeqError('invalid_request', 'Content-Length is not a byte count');
  }
  return Number(header);
}

/**
 * The body's bytes, never more than its Content-Length. `bodyLimit` checks only the declared
 * length when there is one, so a body longer than it says (possible from an in-process caller
 * of `app.fetch`) is cut off here at the first chunk past it instead of being read to the end.
 */
async function readBytes(req: Request): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array(0);
  const cap = declaredLength(req);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (cap !== undefined && size > cap) {
      await reader.cancel().catch(() => {});
      throw new EdgeqError('invalid_request', 'body is longer than its Content-Length');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** JSON text must be UTF-8: a malformed byte is refused rather than silently replaced. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON. The size limit is enforced before this by `bodyLimit`. An empty body is `{}`
 * unless `required`.
 */
export async function readJson(c: Context, required = false): Promise<unknown> {
  // A middleware that read the body through `c.req` left it in Hono's cache; take it from there.
  const bytes = c.req.raw.bodyUsed
    ? new Uint8Array(await c.req.arrayBuffer())
    : await readBytes(c.req.raw);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new EdgeqError('invalid_request', 'body is not valid UTF-8');
  }
  if (text.trim() === '') {
    if (required) throw new EdgeqError('invalid_request', 'a JSON body is required');
    return {};
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input; it stays here.
    throw new EdgeqError('invalid_request', 'body is not valid JSON');
  }
}

export async function body<S extends z.ZodMiniType>(
  c: Context,
  schema: S,
  required = false,
): Promise<z.infer<S>> {
  return parse(schema, await readJson(c, required));
}
