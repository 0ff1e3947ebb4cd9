/**
 * Reading the dashboard's form posts (urlencoded; ./access.ts refuses anything else) and the
 * return path every action form carries.
 *
 * @example
 * const body = await form(c);
 * return c.redirect(withNotice(backOf(body, queuesPath()), 'paused'), 303);
 */
import type { Context } from 'hono';
import { localPath } from './paths.js';

export type FormBody = Record<string, string | File | (string | File)[]>;

export function form(c: Context): Promise<FormBody> {
  return c.req.parseBody();
}

/** A text field, or undefined when it is absent, repeated or a file. */
export function field(body: FormBody, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}

/** Where the action returns to: the form's `back` when it is a dashboard path, else `fallback`. */
export function backOf(body: FormBody, fallback: string): string {
  return localPath(field(body, 'back')) ?? fallback;
}
