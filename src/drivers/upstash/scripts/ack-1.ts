import { PRELUDE } from './prelude.js';

/**
 * ack: completes jobs whose lease the token still holds; stores follow-up jobs only when the
 * single ack succeeded.
 * KEYS[1] prefix
 * ARGV    ns, now, opId, ttl, nAcks, default maxAttempts, default leaseMs ('' when no follow-ups),
 *         then 3 per ack: id, leaseToken, result ('' = none), then 12 per follow-up job (as enqueue)
 * Returns cjson {acks = [[id, code], ...], enqueued = [[id, created, debounced], ...]}.
 */
export const ACK = `${PRELUDE}
local ns, now, op, ttl, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local defs = { ma = tonumber(ARGV[6]), lm = tonumber(ARGV[7]) }
local N = base(ns)
local acks, enqueued, seen = {}, {}, {}
local last = 7 + 3 * n
for i = 8, last, 3 do
  local id = ARGV[i]
  -- The same job twice in one call: only the first ack can complete it.
  local code = seen[id] and 'lease_lost' or ack(N, now, op, id, ARGV[i + 1], ARGV[i + 2], ttl)
  seen[id] = true
  acks[#acks + 1] = { id, code }
end
if n == 1 and acks[1][2] == 'ok' then
  for i = last + 1, #ARGV, JOB_ARGS do
    local id, created, debounced = insert(N, ns, now, op, jobAt(i), defs)
    enqueued[#enqueued + 1] = { id, created, debounced }
  end
end
return cjson.encode({ acks = acks, enqueued = enqueued })
`;
