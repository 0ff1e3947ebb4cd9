/** How jobs look in API responses: parsed payloads, ISO timestamps, never a lease token. */
import type { ClaimedJob, JobRecord, JobState } from '../drivers/types.js';

export interface JobView {
  id: string;
  queue: string;
  state: JobState;
  payload: unknown;
  priority: number;
  attempt: number;
  maxAttempts: number;
  runAt: string;
  createdAt: string;
  updatedAt: string;
  key?: string;
  group?: string;
  expiresAt?: string;
  debounceKey?: string;
  leaseExpiresAt?: string;
  finishedAt?: string;
  result?: unknown;
  lastError?: string;
}

export interface ClaimedView {
  id: string;
  queue: string;
  payload: unknown;
  priority: number;
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
  leaseExpiresAt: string;
  createdAt: string;
  group?: string;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

export function jobView(r: JobRecord): JobView {
  const v: JobView = {
    id: r.id,
    queue: r.queue,
    state: r.state,
    payload: JSON.parse(r.payload),
    priority: r.priority,
    attempt: r.attempt,
    maxAttempts: r.maxAttempts,
    runAt: iso(r.runAt),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
  if (r.key !== undefined) v.key = r.key;
  if (r.group !== undefined) v.group = r.group;
  if (r.expiresAt !== undefined) v.expiresAt = iso(r.expiresAt);
  if (r.debounceKey !== undefined) v.debounceKey = r.debounceKey;
  if (r.leaseExpiresAt !== undefined) v.leaseExpiresAt = iso(r.leaseExpiresAt);
  if (r.finishedAt !== undefined) v.finishedAt = iso(r.finishedAt);
  if (r.result !== undefined) v.result = JSON.parse(r.result);
  if (r.lastError !== undefined) v.lastError = r.lastError;
  return v;
}

export function claimedView(j: ClaimedJob): ClaimedView {
  const v: ClaimedView = {
    id: j.id,
    queue: j.queue,
    payload: JSON.parse(j.payload),
    priority: j.priority,
    attempt: j.attempt,
    maxAttempts: j.maxAttempts,
    leaseToken: j.leaseToken,
    leaseExpiresAt: iso(j.leaseExpiresAt),
    createdAt: iso(j.createdAt),
  };
  if (j.group !== undefined) v.group = j.group;
  return v;
}
