import { PRELUDE } from './prelude.js';

/**
 * get: one job. KEYS[1] prefix; ARGV ns, id, now. Returns cjson record or 'null'.
 */
export const GET = `${PRELUDE}
local rec = record(base(ARGV[1]), ARGV[2], tonumber(ARGV[3]))
return rec and cjson.encode(rec) or 'null'
`;

/**
 * list: one page of a queue's jobs in a state, in id order.
 * KEYS[1] prefix
 * ARGV    ns, queue, state, now, limit, cursor ('' = from the start)
 * Returns cjson {jobs = [record, ...], cursor = last id when more may follow}. Waiting jobs are
 * one index (scheduled and queued differ only by run time), so those pages scan it and filter,
 * at most 10 x limit ids per call; a page may then hold fewer than `limit` jobs and a cursor.
 */
export const LIST = `${PRELUDE}
local ns, q, state, now, limit, cursor = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local N = base(ns)
local waiting = state == 'queued' or state == 'scheduled'
local idx = qk(N, q, waiting and 'waiting' or state)
local from = cursor == '' and '-' or '(' .. cursor
local jobs, last, scanned = {}, nil, 0
local budget = waiting and limit * 10 or limit
while #jobs < limit and scanned < budget do
  local ids = redis.call('ZRANGEBYLEX', idx, from, '+', 'LIMIT', 0, math.min(limit, budget - scanned))
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    scanned = scanned + 1
    last = id
    local rec = record(N, id, now)
    if rec and rec.state == state then jobs[#jobs + 1] = rec end
    if #jobs >= limit then break end
  end
  from = '(' .. last
end
local out = { jobs = jobs }
if last and #redis.call('ZRANGEBYLEX', idx, '(' .. last, '+', 'LIMIT', 0, 1) > 0 then out.cursor = last end
return cjson.encode(out)
`;

/**
 * queues: names, paused flags and counts by state.
 * KEYS[1] prefix; ARGV ns, now, queue ('' = every queue of the namespace)
 * Returns cjson [{name, paused, counts}, ...] sorted by name.
 */
export const QUEUES = `${PRELUDE}
local ns, now, only = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local N = base(ns)
local flat = redis.call('HGETALL', N .. ':queues')
local out = {}
for i = 1, #flat, 2 do
  local q = flat[i]
  if only == '' or only == q then
    -- Due jobs are spread over one wait zset per group: count them as waiting minus delayed.
    local delayed = redis.call('ZCARD', qk(N, q, 'delayed'))
    local due = redis.call('ZCOUNT', qk(N, q, 'delayed'), '-inf', now)
    out[#out + 1] = { name = q, paused = flat[i + 1] == '1', counts = {
      scheduled = delayed - due,
      queued = redis.call('ZCARD', qk(N, q, 'waiting')) - delayed + due,
      active = redis.call('ZCARD', qk(N, q, 'active')),
      completed = redis.call('ZCARD', qk(N, q, 'completed')),
      dead = redis.call('ZCARD', qk(N, q, 'dead')),
      cancelled = redis.call('ZCARD', qk(N, q, 'cancelled')) } }
  end
end
table.sort(out, function(a, b) return a.name < b.name end)
return cjson.encode(out)
`;
