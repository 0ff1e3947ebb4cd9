import { PRELUDE } from './prelude.js';

/**
 * reclaim: dead-letters waiting jobs whose deadline has passed (lastError 'expired'), then puts
 * leases that expired strictly before now back to wait (with backoff), or dead-letters them on
 * their last attempt. Each kind bounded by `limit` jobs per call. A job's state and
 * times are re-read inside the script, so a job acked (or leased) meanwhile is never overwritten.
 * KEYS[1] prefix
 * ARGV    ns ('' = every namespace in P:ns), now, limit, backoff (BackoffPolicy JSON, used when
 *         the job stores none), draw, ttl
 * Returns cjson {requeued, dead, expired}.
 */
export const RECLAIM = `${PRELUDE}
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local fallback, draw, ttl = policyOf(decode(ARGV[4])), tonumber(ARGV[5]), tonumber(ARGV[6])
local spaces = ARGV[1] ~= '' and { ARGV[1] } or redis.call('SMEMBERS', P .. ':ns')
local requeued, dead, expired = 0, 0, 0
for _, ns in ipairs(spaces) do
  local N = base(ns)
  local room = limit - expired
  if room <= 0 then break end
  -- A deadline at exactly now has passed: such a job can no longer be leased. This pass runs
  -- first, so a lease requeued below past its deadline waits for the next call (as in memory).
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', N .. ':exp', '-inf', S(now), 'LIMIT', 0, room)) do
    local k = jk(N, id)
    local f = redis.call('HMGET', k, 's', 'q', 'r', 'g', 'x')
    redis.call('ZREM', N .. ':exp', id)
    if f[1] == 'queued' and f[5] and tonumber(f[5]) <= now then
      unwait(N, id, f[2], tonumber(f[3]), f[4] or nil)
      redis.call('HSET', k, 'err', 'expired')
      finish(N, now, id, f[2], 'waiting', 'dead', ttl)
      expired = expired + 1
    end
  end
end
for _, ns in ipairs(spaces) do
  local N = base(ns)
  local room = limit - requeued - dead
  if room <= 0 then break end
  -- '(' makes the bound exclusive: a lease ending exactly now is still held.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', N .. ':leases', '-inf', '(' .. S(now), 'LIMIT', 0, room)) do
    local k = jk(N, id)
    local f = redis.call('HMGET', k, 's', 'le', 'q', 'a', 'ma', 'pr', 'g', 'x', 'bo')
    if f[1] ~= 'active' or not f[2] or tonumber(f[2]) >= now then
      -- Stale index entry (finished or re-leased): drop it, change nothing else.
      if f[1] ~= 'active' then redis.call('ZREM', N .. ':leases', id) end
    else
      local q, a, ma, g = f[3], tonumber(f[4]), tonumber(f[5]), f[7] or nil
      if a >= ma then
        redis.call('HSET', k, 'err', 'lease expired on attempt ' .. S(a) .. ' of ' .. S(ma))
        finish(N, now, id, q, 'active', 'dead', ttl)
        dead = dead + 1
      else
        local r = now + backoffDelay(policyOf(decode(f[9] or nil)) or fallback, a, draw)
        redis.call('HSET', k, 's', 'queued', 'r', S(r), 'u', S(now), 'err', 'lease expired on attempt ' .. S(a))
        redis.call('HDEL', k, 'le')
        redis.call('ZREM', qk(N, q, 'active'), id)
        unlease(N, id, q, g)
        enwait(N, now, id, q, tonumber(f[6]), r, g, tonumber(f[8]))
        requeued = requeued + 1
      end
    end
  end
end
return cjson.encode({ requeued = requeued, dead = dead, expired = expired })
`;
