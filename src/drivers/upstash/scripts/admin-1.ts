import { PRELUDE } from './prelude.js';

/** pause: KEYS[1] prefix; ARGV ns, queue, '1' | '0'. Returns 'OK'. */
export const PAUSE = `${PRELUDE}
redis.call('HSET', base(ARGV[1]) .. ':queues', ARGV[2], ARGV[3])
return 'OK'
`;

/**
 * cancel: a waiting job becomes cancelled; cancelling a cancelled job is a no-op success.
 * KEYS[1] prefix; ARGV ns, id, now, ttl
 * Returns cjson {ok = true} | {ok = false, error = 'not_found'} | {ok = false, error = 'conflict', state}.
 */
export const CANCEL = `${PRELUDE}
local ns, id, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local N = base(ns)
local f = redis.call('HMGET', jk(N, id), 's', 'q', 'r', 'g')
if not f[1] then return cjson.encode({ ok = false, error = 'not_found' }) end
if f[1] == 'cancelled' then return cjson.encode({ ok = true }) end
if f[1] ~= 'queued' then return cjson.encode({ ok = false, error = 'conflict', state = f[1] }) end
unwait(N, id, f[2], tonumber(f[3]), f[4] or nil)
finish(N, now, id, f[2], 'waiting', 'cancelled', ttl)
return cjson.encode({ ok = true })
`;

/**
 * replay: dead jobs of a queue back to waiting with fresh attempts.
 * KEYS[1] prefix; ARGV ns, queue, now, limit, then ids (none = the oldest dead jobs by id)
 * Returns cjson {replayed}.
 */
export const REPLAY = `${PRELUDE}
local ns, q, now, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local N = base(ns)
local ids = {}
if #ARGV > 4 then
  for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end
else
  ids = redis.call('ZRANGEBYLEX', qk(N, q, 'dead'), '-', '+', 'LIMIT', 0, limit)
end
local replayed = 0
for _, id in ipairs(ids) do
  if replayed >= limit then break end
  local k = jk(N, id)
  local f = redis.call('HMGET', k, 's', 'q', 'pr', 'k', 'g', 'x', 'd')
  if f[1] == 'dead' and f[2] == q then
    local g = f[5] or nil
    redis.call('HSET', k, 's', 'queued', 'a', '0', 'r', S(now), 'u', S(now))
    redis.call('HDEL', k, 'f')
    redis.call('PERSIST', k)
    if f[4] then redis.call('PERSIST', N .. ':k:' .. q .. ':' .. f[4]) end
    local dk = ownDebounce(N, id, q, f[7] or nil)
    if dk then redis.call('PERSIST', dk) end
    redis.call('ZREM', qk(N, q, 'dead'), id)
    redis.call('ZREM', qk(N, q, 'gone'), id)
    groupCount(N, now, q, g, 1)
    enwait(N, now, id, q, tonumber(f[3]), now, g, tonumber(f[6]))
    replayed = replayed + 1
  end
end
return cjson.encode({ replayed = replayed })
`;

/**
 * prune: deletes finished jobs past their retention, with their index entries and keys; then
 * drops the flow state of groups that have had no jobs since before `finishedBefore` (their
 * rate state already spent), which does not count as pruned.
 * KEYS[1] prefix; ARGV ns ('' = every namespace), now, finishedBefore, deadBefore, limit,
 * queue ('' = every queue), then queues to leave alone
 * Returns cjson {pruned}. Index entries whose job already expired (backstop TTL) are dropped
 * without counting.
 */
export const PRUNE = `${PRELUDE}
local now, limit, only = tonumber(ARGV[2]), tonumber(ARGV[5]), ARGV[6]
local before = { done = tonumber(ARGV[3]), gone = tonumber(ARGV[4]) }
local except = {}
for i = 7, #ARGV do except[ARGV[i]] = true end
local function wanted(q) return (only == '' or q == only) and not except[q] end
local spaces = ARGV[1] ~= '' and { ARGV[1] } or redis.call('SMEMBERS', P .. ':ns')
local pruned = 0

-- Drops the flow state of a queue's groups idle since before finishedBefore whose rate state is
-- spent (a TAT in the past allows what a fresh one does), keeping that state bounded by the
-- groups with jobs. A group with a TAT still ahead is looked at again once it has passed.
local function pruneGroups(N, q)
  local flow, idle = qk(N, q, 'flow'), qk(N, q, 'idle')
  for _, g in ipairs(redis.call('ZRANGEBYSCORE', idle, '-inf', '(' .. S(before.done), 'LIMIT', 0, limit)) do
    local f = redis.call('HMGET', flow, 'n:' .. g, 't:' .. g)
    local tat = tonumber(f[2]) or 0
    if (tonumber(f[1]) or 0) > 0 then
      redis.call('ZREM', idle, g)
    elseif tat > now then
      redis.call('ZADD', idle, tat, g)
    else
      redis.call('HDEL', flow, 'n:' .. g, 't:' .. g, 's:' .. g)
      redis.call('ZREM', idle, g)
    end
  end
end
for _, ns in ipairs(spaces) do
  local N = base(ns)
  local queues = only ~= '' and { only } or redis.call('HKEYS', N .. ':queues')
  table.sort(queues)
  for _, q in ipairs(queues) do
    if wanted(q) then
      for _, kind in ipairs({ 'done', 'gone' }) do
        local room = limit - pruned
        if room <= 0 then break end
        local idx = qk(N, q, kind)
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', idx, '-inf', '(' .. S(before[kind]), 'LIMIT', 0, room)) do
          local k = jk(N, id)
          local f = redis.call('HMGET', k, 's', 'k', 'd')
          redis.call('ZREM', idx, id)
          -- Also when the hash already expired (backstop TTL): the per-state index must not dangle.
          for _, st in ipairs(kind == 'gone' and { 'dead' } or { 'completed', 'cancelled' }) do
            redis.call('ZREM', qk(N, q, st), id)
          end
          if f[1] then
            if f[2] then
              local kk = N .. ':k:' .. q .. ':' .. f[2]
              if redis.call('GET', kk) == id then redis.call('DEL', kk) end
            end
            local dk = ownDebounce(N, id, q, f[3] or nil)
            if dk then redis.call('DEL', dk) end
            redis.call('DEL', k)
            pruned = pruned + 1
          end
        end
      end
      pruneGroups(N, q)
    end
  end
end
return cjson.encode({ pruned = pruned })
`;
