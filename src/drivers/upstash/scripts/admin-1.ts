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
local f = redis.call('HMGET', jk(N, id), 's', 'q', 'r')
if not f[1] then return cjson.encode({ ok = false, error = 'not_found' }) end
if f[1] == 'cancelled' then return cjson.encode({ ok = true }) end
if f[1] ~= 'queued' then return cjson.encode({ ok = false, error = 'conflict', state = f[1] }) end
unwait(N, id, f[2], tonumber(f[3]))
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
  local f = redis.call('HMGET', k, 's', 'q', 'pr', 'k')
  if f[1] == 'dead' and f[2] == q then
    redis.call('HSET', k, 's', 'queued', 'a', '0', 'r', S(now), 'u', S(now))
    redis.call('HDEL', k, 'f')
    redis.call('PERSIST', k)
    if f[4] then redis.call('PERSIST', N .. ':k:' .. q .. ':' .. f[4]) end
    redis.call('ZREM', qk(N, q, 'dead'), id)
    redis.call('ZREM', N .. ':dead', q .. '|' .. id)
    enwait(N, now, id, q, tonumber(f[3]), now)
    replayed = replayed + 1
  end
end
return cjson.encode({ replayed = replayed })
`;

/**
 * prune: deletes finished jobs past their retention, with their index entries and keys.
 * KEYS[1] prefix; ARGV ns ('' = every namespace), finishedBefore, deadBefore, limit
 * Returns cjson {pruned}. Index entries whose job already expired (backstop TTL) are dropped
 * without counting.
 */
export const PRUNE = `${PRELUDE}
local before = { done = tonumber(ARGV[2]), dead = tonumber(ARGV[3]) }
local limit = tonumber(ARGV[4])
local spaces = ARGV[1] ~= '' and { ARGV[1] } or redis.call('SMEMBERS', P .. ':ns')
local pruned = 0
for _, ns in ipairs(spaces) do
  local N = base(ns)
  for _, kind in ipairs({ 'done', 'dead' }) do
    local idx = N .. ':' .. kind
    local room = limit - pruned
    if room <= 0 then break end
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', idx, '-inf', '(' .. S(before[kind]), 'LIMIT', 0, room)) do
      local bar = string.find(m, '|', 1, true)
      local q, id = string.sub(m, 1, bar - 1), string.sub(m, bar + 1)
      local k = jk(N, id)
      local f = redis.call('HMGET', k, 's', 'q', 'k')
      redis.call('ZREM', idx, m)
      -- Also when the hash already expired (backstop TTL): the per-state index must not dangle.
      for _, st in ipairs(kind == 'dead' and { 'dead' } or { 'completed', 'cancelled' }) do
        redis.call('ZREM', qk(N, q, st), id)
      end
      if f[1] then
        if f[3] then
          local kk = N .. ':k:' .. f[2] .. ':' .. f[3]
          if redis.call('GET', kk) == id then redis.call('DEL', kk) end
        end
        redis.call('DEL', k)
        pruned = pruned + 1
      end
    end
  end
end
return cjson.encode({ pruned = pruned })
`;
