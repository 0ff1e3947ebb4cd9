/**
 * Configuration from environment variables, shared by the Worker and `edgeq serve`. A value that
 * does not parse stops startup with a message naming the variable.
 */
import type { Limits } from './config.js';

export type Env = Record<string, unknown>;

const LIMIT_VARS: Record<string, keyof Limits> = {
  EDGEQ_LEASE_MS: 'leaseMs',
  EDGEQ_MAX_ATTEMPTS: 'maxAttempts',
  EDGEQ_BACKOFF_BASE_MS: 'backoffBaseMs',
  EDGEQ_BACKOFF_MAX_MS: 'backoffMaxMs',
  EDGEQ_COMPLETED_RETENTION_MS: 'completedRetentionMs',
  EDGEQ_DEAD_RETENTION_MS: 'deadRetentionMs',
  EDGEQ_MAX_BODY_BYTES: 'maxBodyBytes',
};

/** A string env value, or undefined when unset or empty. */
export function envString(env: Env, name: string): string | undefined {
  const v = env[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Limits set through `EDGEQ_*` variables. */
export function limitsFromEnv(env: Env): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const [name, key] of Object.entries(LIMIT_VARS)) {
    const raw = envString(env, name);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new Error(`${name} must be a positive whole number, got "${raw}"`);
    }
    out[key] = n;
  }
  return out;
}
