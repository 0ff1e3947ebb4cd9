import { PRELUDE } from './prelude.js';

/**
 * reclaim: puts leases that expired strictly before now back to wait (with backoff), or
 * dead-letters them on their last attempt. Bounded by `limit` jobs per call. The job's state and
 * expiry are re-read inside the script, so a job acked meanwhile is never overwritten.
 * KEYS[1] prefix
 * ARGV    ns ('' = every namespace in P:ns), now, limit, backoff base, max, factor, ttl
 * Returns cjson {requeued, dead}.
 */
export const RECLAIM = `${PRELUDE}
local now, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
local bbase, bmax, bfactor, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local spaces = ARGV[1] ~= '' and { ARGV[1] } or redis.call('SMEMBERS', P .. ':ns')
local requeued, dead = 0, 0
for _, ns in ipairs(spaces) do
  local N = base(ns)
  local room = limit - requeued - dead
  if room <= 0 then break end
  -- '(' makes the bound exclusive: a lease ending exactly now is still held.
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', N .. ':leases', '-inf', '(' .. S(now), 'LIMIT', 0, room)) do
    local k = jk(N, id)
    local f = redis.call('HMGET', k, 's', 'le', 'q', 'a', 'ma', 'pr')
    if f[1] ~= 'active' or not f[2] or tonumber(f[2]) >= now then
      -- Stale index entry (finished or re-leased): drop it, change nothing else.
      if f[1] ~= 'active' then redis.call('ZREM', N .. ':leases', id) end
    else
      local q, a, ma = f[3], tonumber(f[4]), tonumber(f[5])
      if a >= ma then
        redis.call('HSET', k, 'err', 'lease expired on attempt ' .. S(a) .. ' of ' .. S(ma))
        finish(N, now, id, q, 'active', 'dead', ttl)
        dead = dead + 1
      else
        local r = now + delay(a, bbase, bmax, bfactor)
        redis.call('HSET', k, 's', 'queued', 'r', S(r), 'u', S(now), 'err', 'lease expired on attempt ' .. S(a))
        redis.call('HDEL', k, 'le')
        redis.call('ZREM', qk(N, q, 'active'), id)
        redis.call('ZREM', N .. ':leases', id)
        enwait(N, now, id, q, tonumber(f[6]), r)
        requeued = requeued + 1
      end
    end
  end
end
return cjson.encode({ requeued = requeued, dead = dead })
`;
