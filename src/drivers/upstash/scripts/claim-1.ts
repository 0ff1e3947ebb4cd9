import { PRELUDE } from './prelude.js';
import { TAKE } from './take.js';

/**
 * claim: applies carried acks, promotes due delayed jobs, and leases up to `limit` due jobs under
 * the queue's flow limits, rotating between group keys (see take.ts).
 * KEYS[1] prefix
 * ARGV    ns, queue, now, limit, token, leaseMs ('' = each job's own), ttl (finished-job backstop
 *         ms, 0 = none), limits (FlowLimits JSON; '' = the queue's stored settings), then 3 per
 *         ack: id, leaseToken, result ('' = none)
 * Returns cjson {acks = [[id, 'ok'|'lease_lost'|'not_found'], ...], jobs = [claimed job, ...]}.
 * The claim token is the call's identity: a re-run finds N:c:<token> and returns the same jobs
 * (still leased to it) instead of leasing more, so a lost response never strands a lease. The
 * carried acks use the token as their op id, so their re-run answers ok again.
 */
export const CLAIM = `${PRELUDE}${TAKE}
local ns, q, now, limit, tok = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local leaseMs, ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
local N = base(ns)
local acks = {}
for i = 9, #ARGV, 3 do
  acks[#acks + 1] = { ARGV[i], ack(N, now, tok, ARGV[i], ARGV[i + 1], ARGV[i + 2], ttl) }
end
local jobs = {}
local rec = N .. ':c:' .. tok
local prior = redis.call('GET', rec)
if prior then
  for id in string.gmatch(prior, '[^,]+') do
    local j = claimed(N, id)
    if j.state == 'active' and j.leaseToken == tok then jobs[#jobs + 1] = j end
  end
  return cjson.encode({ acks = acks, jobs = jobs })
end
if redis.call('HGET', N .. ':queues', q) == '1' then
  return cjson.encode({ acks = acks, jobs = jobs })
end
-- Promote due delayed jobs; bounded so one claim's cost stays flat whatever the backlog.
local delayed = qk(N, q, 'delayed')
for _, id in ipairs(redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)) do
  local f = redis.call('HMGET', jk(N, id), 'pr', 'r', 'g', 'x')
  redis.call('ZREM', delayed, id)
  if f[1] then makeDue(N, now, id, q, tonumber(f[1]), tonumber(f[2]), f[3] or nil, tonumber(f[4])) end
end
local limits = ARGV[8] ~= '' and (decode(ARGV[8]) or {}) or settings(N, q)
local ids, hold = {}, 0
for _, id in ipairs(take(N, q, now, limit, limits)) do
  local k = jk(N, id)
  local f = redis.call('HMGET', k, 'a', 'lm', 'g')
  local le = now + (leaseMs or tonumber(f[2]))
  redis.call('HSET', k, 's', 'active', 'a', S(tonumber(f[1]) + 1), 't', tok, 'le', S(le), 'u', S(now))
  redis.call('ZREM', qk(N, q, 'waiting'), id)
  redis.call('ZREM', N .. ':exp', id)
  redis.call('ZADD', qk(N, q, 'active'), 0, id)
  -- Its debounce key stays: it targets the job only while queued (a nack makes it one again,
  -- unless a newer job took the key), as the memory driver's reference does.
  lease(N, id, q, f[3] or nil, le)
  ids[#ids + 1] = id
  jobs[#jobs + 1] = claimed(N, id)
  if le - now > hold then hold = le - now end
end
if #ids > 0 then redis.call('SET', rec, table.concat(ids, ','), 'PX', hold) end
return cjson.encode({ acks = acks, jobs = jobs })
`;
