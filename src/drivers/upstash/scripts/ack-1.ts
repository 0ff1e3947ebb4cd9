import { PRELUDE } from './prelude.js';

/**
 * ack: completes jobs whose lease the token still holds; stores follow-up jobs only when the
 * single ack succeeded.
 * KEYS[1] prefix
 * ARGV    ns, now, opId, ttl, nAcks, then 3 per ack: id, leaseToken, result ('' = none), then 8
 *         per follow-up job (as enqueue)
 * Returns cjson {acks = [[id, code], ...], enqueued = [[id, created], ...]}.
 */
export const ACK = `${PRELUDE}
local ns, now, op, ttl, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local N = base(ns)
local acks, enqueued, seen = {}, {}, {}
local last = 5 + 3 * n
for i = 6, last, 3 do
  local id = ARGV[i]
  -- The same job twice in one call: only the first ack can complete it.
  local code = seen[id] and 'lease_lost' or ack(N, now, op, id, ARGV[i + 1], ARGV[i + 2], ttl)
  seen[id] = true
  acks[#acks + 1] = { id, code }
end
if n == 1 and acks[1][2] == 'ok' then
  for i = last + 1, #ARGV, 8 do
    local id, created = insert(N, ns, now, op, ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]),
      tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5]), tonumber(ARGV[i + 6]), ARGV[i + 7])
    enqueued[#enqueued + 1] = { id, created }
  end
end
return cjson.encode({ acks = acks, enqueued = enqueued })
`;
