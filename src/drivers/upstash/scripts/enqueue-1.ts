import { PRELUDE } from './prelude.js';

/**
 * enqueue: stores a batch of jobs.
 * KEYS[1] prefix
 * ARGV    ns, now, opId, then 8 per job: id, queue, payload, runAt, priority, maxAttempts, leaseMs,
 *         key ('' = none)
 * Returns cjson [[id, created], ...]. A re-run with the same opId answers created=true again.
 */
export const ENQUEUE = `${PRELUDE}
local ns, now, op = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local N = base(ns)
local out = {}
for i = 4, #ARGV, 8 do
  local id, created = insert(N, ns, now, op, ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]),
    tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6]), ARGV[i + 7])
  out[#out + 1] = { id, created }
end
return cjson.encode(out)
`;
