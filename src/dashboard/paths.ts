/**
 * Dashboard URLs: builders for its pages, and the checks on the return paths that forms and the
 * login carry, so no redirect can leave the dashboard (no open redirect).
 *
 * @example
 * queuePath('emails', { state: 'dead' }); // '/dashboard/queues/emails?state=dead'
 * localPath('//evil.example/'); // undefined
 */
import type { JobState } from '../drivers/types.js';

export const BASE = '/dashboard';

/** A page path with its query (undefined values dropped); names are URL-encoded. */
function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const queuesPath = (): string => BASE;
export const deadPath = (): string => `${BASE}/dead`;
export const schedulesPath = (): string => `${BASE}/schedules`;
export const loginPath = (next?: string): string => withQuery(`${BASE}/login`, { next });
export const jobPath = (id: string): string => `${BASE}/jobs/${encodeURIComponent(id)}`;

export function queuePath(
  queue: string,
  page: { state?: JobState; limit?: number; cursor?: string } = {},
): string {
  return withQuery(`${BASE}/queues/${encodeURIComponent(queue)}`, page);
}

/** Where a queue's or a schedule's POST action goes. */
export const queueActionPath = (queue: string, action: string): string =>
  `${BASE}/queues/${encodeURIComponent(queue)}/${action}`;
export const scheduleActionPath = (name: string, action: string): string =>
  `${BASE}/schedules/${encodeURIComponent(name)}/${action}`;

/**
 * `raw` when it is a path inside the dashboard, else undefined. Rejects anything a browser could
 * read as another origin: `//host`, `/\host`, schemes, and control characters.
 */
export function localPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length > 2048) return undefined;
  if (raw !== BASE && !raw.startsWith(`${BASE}/`) && !raw.startsWith(`${BASE}?`)) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  if (/[\\\u0000-\u001f\u007f]/.test(raw) || raw.includes('//')) return undefined;
  return raw;
}

/** What a finished action reports on the page it returns to. */
export type Notice = 'paused' | 'resumed' | 'replayed' | 'logged-out';

const NOTICES: Record<Notice, (n?: number) => string> = {
  paused: () => 'Paused: claims take no jobs from it until it is resumed.',
  resumed: () => 'Resumed.',
  replayed: (n = 0) =>
    `Replayed ${n} dead job${n === 1 ? '' : 's'}: back in the queue, attempts reset.`,
  'logged-out': () => 'Logged out.',
};

/** `back` with the notice in its query, replacing an earlier one. */
export function withNotice(back: string, notice: Notice, n?: number): string {
  const url = new URL(back, 'http://dashboard.invalid');
  url.searchParams.delete('n');
  url.searchParams.set('done', notice);
  if (n !== undefined) url.searchParams.set('n', String(n));
  return `${url.pathname}${url.search}`;
}

/** The notice text a page shows for its `done` and `n` query, if they name a known notice. */
export function noticeText(done: string | undefined, n: string | undefined): string | undefined {
  if (!done || !Object.hasOwn(NOTICES, done)) return undefined;
  const count = n !== undefined && /^\d{1,7}$/.test(n) ? Number(n) : undefined;
  return NOTICES[done as Notice](count);
}
