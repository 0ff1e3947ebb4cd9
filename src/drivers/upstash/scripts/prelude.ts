/**
 * Lua shared by every script (prepended to each one's body).
 *
 * Key layout. P is KEYS[1], the prefix (default `{edgeq}`); its `{...}` hash tag makes every key
 * route to one slot. N = P .. ':' .. ns is a namespace's base:
 *   P:ns                   SET   namespaces that have ever held a job (for the sweeps)
 *   N:queues               HASH  queue -> '1' paused | '0'
 *   N:j:<id>               HASH  one job (fields below)
 *   N:q:<queue>:wait       ZSET  due jobs, score -priority, member <runAt 15 digits>:<id>, so one
 *                                ZRANGE gives priority, then run time, then FIFO (ids are ordered)
 *   N:q:<queue>:delayed    ZSET  not yet due, score runAt, member id; claim promotes due ones
 *   N:q:<queue>:waiting    ZSET  every waiting job by id (score 0), for listing
 *   N:q:<queue>:<state>    ZSET  active / completed / dead / cancelled jobs by id (score 0)
 *   N:leases               ZSET  active jobs by lease expiry (reclaim)
 *   N:done, N:dead         ZSET  finished jobs by finish time, member <queue>|<id> (prune)
 *   N:k:<queue>:<key>      STR   idempotency key -> job id
 *   N:c:<leaseToken>       STR   ids a claim leased, kept while the lease lasts (claim re-runs)
 * Job fields: q s p pr a ma r lm t le k res err c u f eop aop.
 *
 * Scripts never read a clock or a random source: `now`, ids and tokens come in ARGV. Every
 * result is one cjson document, so the client's optional JSON decoding cannot reshape it.
 */
export const PRELUDE = `
local P = KEYS[1]
local function S(n) return string.format('%d', n) end
local function base(ns) return P .. ':' .. ns end
local function jk(N, id) return N .. ':j:' .. id end
local function qk(N, q, part) return N .. ':q:' .. q .. ':' .. part end
local function waitMember(r, id) return string.format('%015d', r) .. ':' .. id end

-- Puts a job into its waiting structures: wait when due, delayed otherwise.
local function enwait(N, now, id, q, pr, r)
  redis.call('ZADD', qk(N, q, 'waiting'), 0, id)
  if r <= now then
    redis.call('ZADD', qk(N, q, 'wait'), -pr, waitMember(r, id))
  else
    redis.call('ZADD', qk(N, q, 'delayed'), r, id)
  end
end

-- Takes a waiting job out of its waiting structures.
local function unwait(N, id, q, r)
  redis.call('ZREM', qk(N, q, 'waiting'), id)
  redis.call('ZREM', qk(N, q, 'wait'), waitMember(r, id))
  redis.call('ZREM', qk(N, q, 'delayed'), id)
end

-- Moves a job to a finished state; ttl (ms, 0 = none) is the backstop expiry of its keys.
local function finish(N, now, id, q, from, to, ttl)
  local k = jk(N, id)
  redis.call('HSET', k, 's', to, 'f', S(now), 'u', S(now))
  redis.call('HDEL', k, 'le')
  redis.call('ZREM', qk(N, q, from), id)
  redis.call('ZADD', qk(N, q, to), 0, id)
  redis.call('ZREM', N .. ':leases', id)
  redis.call('ZADD', N .. (to == 'dead' and ':dead' or ':done'), now, q .. '|' .. id)
  if ttl > 0 then
    redis.call('PEXPIRE', k, ttl)
    local key = redis.call('HGET', k, 'k')
    if key then redis.call('PEXPIRE', N .. ':k:' .. q .. ':' .. key, ttl) end
  end
end

local function delay(a, bbase, bmax, bfactor)
  local e = math.min(math.max(a - 1, 0), 30)
  return math.floor(math.min(bmax, bbase * 2 ^ e) * bfactor)
end

-- Stores one new job unless its id or idempotency key exists; returns id, created.
local function insert(N, ns, now, op, id, q, p, r, pr, ma, lm, key)
  if key ~= '' then
    local kk = N .. ':k:' .. q .. ':' .. key
    local owner = redis.call('GET', kk)
    if owner and redis.call('EXISTS', jk(N, owner)) == 1 then
      local eop = redis.call('HGET', jk(N, owner), 'eop')
      return owner, (owner == id and op ~= '' and eop == op)
    end
    redis.call('SET', kk, id)
  end
  local k = jk(N, id)
  if redis.call('EXISTS', k) == 1 then
    return id, (op ~= '' and redis.call('HGET', k, 'eop') == op)
  end
  redis.call('HSET', k, 'q', q, 's', 'queued', 'p', p, 'pr', S(pr), 'a', '0', 'ma', S(ma),
    'r', S(r), 'lm', S(lm), 'c', S(now), 'u', S(now), 'eop', op)
  if key ~= '' then redis.call('HSET', k, 'k', key) end
  redis.call('SADD', P .. ':ns', ns)
  redis.call('HSETNX', N .. ':queues', q, '0')
  enwait(N, now, id, q, pr, r)
  return id, true
end

-- Completes a job if tok holds its lease; a re-run of the same op answers ok again.
local function ack(N, now, op, id, tok, res, ttl)
  local k = jk(N, id)
  local f = redis.call('HMGET', k, 's', 't', 'q', 'aop')
  local s, t, q, aop = f[1], f[2], f[3], f[4]
  if not s then return 'not_found' end
  if s == 'completed' and t == tok and op ~= '' and aop == op then return 'ok' end
  if s ~= 'active' or t ~= tok then return 'lease_lost' end
  redis.call('HSET', k, 'aop', op)
  if res ~= '' then redis.call('HSET', k, 'res', res) end
  finish(N, now, id, q, 'active', 'completed', ttl)
  return 'ok'
end

-- A job as the contract's JobRecord (without its lease token).
local function record(N, id, now)
  local f = redis.call('HMGET', jk(N, id), 'q', 's', 'p', 'pr', 'a', 'ma', 'r', 'c', 'u', 'le', 'f', 'k', 'res', 'err')
  if not f[2] then return nil end
  local s = f[2]
  if s == 'queued' and tonumber(f[7]) > now then s = 'scheduled' end
  local rec = { id = id, queue = f[1], state = s, payload = f[3], priority = tonumber(f[4]),
    attempt = tonumber(f[5]), maxAttempts = tonumber(f[6]), runAt = tonumber(f[7]),
    createdAt = tonumber(f[8]), updatedAt = tonumber(f[9]) }
  if f[10] then rec.leaseExpiresAt = tonumber(f[10]) end
  if f[11] then rec.finishedAt = tonumber(f[11]) end
  if f[12] then rec.key = f[12] end
  if f[13] then rec.result = f[13] end
  if f[14] then rec.lastError = f[14] end
  return rec
end

local function claimed(N, id)
  local f = redis.call('HMGET', jk(N, id), 'q', 'p', 'pr', 'a', 'ma', 't', 'le', 'c', 'r', 's')
  return { id = id, queue = f[1], payload = f[2], priority = tonumber(f[3]), attempt = tonumber(f[4]),
    maxAttempts = tonumber(f[5]), leaseToken = f[6], leaseExpiresAt = tonumber(f[7]),
    createdAt = tonumber(f[8]), runAt = tonumber(f[9]), state = f[10] }
end
`;
