import { PRELUDE } from './prelude.js';

/**
 * enqueue: stores a batch of jobs, resolving unset maxAttempts / leaseMs / backoff from the
 * queue's stored settings, then the defaults.
 * KEYS[1] prefix
 * ARGV    ns, now, opId, default maxAttempts, default leaseMs, then 12 per job: id, queue,
 *         payload, runAt, priority, maxAttempts, leaseMs, key, group, expiresAt, debounceKey,
 *         backoff (JSON); '' = unset
 * Returns cjson [[id, created, debounced], ...]. A re-run with the same opId answers as the first.
 */
export const ENQUEUE = `${PRELUDE}
local ns, now, op = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local defs = { ma = tonumber(ARGV[4]), lm = tonumber(ARGV[5]) }
local N = base(ns)
local out = {}
for i = 6, #ARGV, JOB_ARGS do
  local id, created, debounced = insert(N, ns, now, op, jobAt(i), defs)
  out[#out + 1] = { id, created, debounced }
end
return cjson.encode(out)
`;
