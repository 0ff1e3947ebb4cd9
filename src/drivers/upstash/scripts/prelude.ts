/**
 * Lua shared by every script (prepended to each one's body).
 *
 * Key layout. P is KEYS[1], the prefix (default `{edgeq}`); its `{...}` hash tag makes every key
 * route to one slot. N = P .. ':' .. ns is a namespace's base; Q = N:q:<queue> a queue's (queue
 * names never hold ':', so a group name may follow as the last segment):
 *   P:ns              SET   namespaces that have ever held a job (for the sweeps)
 *   N:queues          HASH  queue -> '1' paused | '0'
 *   N:j:<id>          HASH  one job (fields below)
 *   Q:wait            ZSET  due jobs without a group, score -priority, member <runAt 15 digits>:<id>,
 *                           so one ZRANGE gives priority, then run time, then FIFO (ids are ordered)
 *   Q:gw:<group>      ZSET  due jobs of one group, the same way
 *   Q:rot             ZSET  the rotation: keys with due jobs (group, '' = no group), score the key's
 *                           last serve number (0 = never), so ZRANGE is least recently served first,
 *                           ties by key. A claim walks it, never a key's backlog.
 *   Q:flow            HASH  flow state: tat (queue rate), seq (serve counter), s:<g> (key's last
 *                           serve), t:<g> (group rate), n:<g> (group's unfinished jobs)
 *   Q:delayed         ZSET  not yet due, score runAt, member id; claim promotes due ones
 *   Q:waiting         ZSET  every waiting job by id (score 0), for listing and counts
 *   Q:<state>         ZSET  active / completed / dead / cancelled jobs by id (score 0)
 *   Q:idle            ZSET  groups whose last job finished, by then (prune drops their state)
 *   Q:leases          ZSET  the queue's active jobs by lease expiry (live = ZCOUNT > now)
 *   Q:gl:<group>      ZSET  one group's active jobs by lease expiry
 *   Q:done, Q:gone    ZSET  completed + cancelled / dead jobs by finish time (prune)
 *   N:leases          ZSET  every active job of the namespace by lease expiry (reclaim)
 *   N:exp             ZSET  waiting jobs with a deadline, score expiresAt (reclaim's expiry)
 *   N:k:<queue>:<key> STR   idempotency key -> job id
 *   N:db:<queue>:<k>  STR   debounce key -> its last job, a debounce target until first leased
 *   N:dbr:<id>        STR   a debounced enqueue's answer, kept 1 h for its re-run (opId given)
 *   N:c:<leaseToken>  STR   ids a claim leased, kept while the lease lasts (claim re-runs)
 *   N:cfg:<kind>, N:cur:<kind>  HASH  named configuration (config-1.ts)
 * Job fields: q s p pr a ma r lm t le k g x d bo res err c u f eop aop
 * (g group, x expiresAt, d debounce key, bo backoff policy JSON).
 * A waiting job past its deadline is taken out of its wait zset by the claim that meets it (it
 * stays `queued` in Q:waiting and N:exp) until reclaim dead-letters it.
 *
 * Scripts never read a clock or a random source: `now`, ids and tokens come in ARGV. Every
 * result is one cjson document, so the client's optional JSON decoding cannot reshape it.
 */
import { POLICY } from './policy.js';

export const PRELUDE = `
local P = KEYS[1]
local function S(n) return string.format('%d', n) end
local function base(ns) return P .. ':' .. ns end
local function jk(N, id) return N .. ':j:' .. id end
local function qk(N, q, part) return N .. ':q:' .. q .. ':' .. part end
local function waitMember(r, id) return string.format('%015d', r) .. ':' .. id end
local function opt(v) if v == '' then return nil end return v end
${POLICY}
-- The due zset of a key ('' or nil = no group).
local function wz(N, q, g)
  if g and g ~= '' then return qk(N, q, 'gw:' .. g) end
  return qk(N, q, 'wait')
end

-- Puts a key into the rotation (if absent) at its last serve number.
local function rotate(N, q, g)
  g = g or ''
  local served = redis.call('HGET', qk(N, q, 'flow'), 's:' .. g) or '0'
  redis.call('ZADD', qk(N, q, 'rot'), 'NX', served, g)
end

-- Makes a waiting job due: into its key's wait zset, unless past its deadline (then it stays
-- parked in Q:waiting and N:exp for reclaim).
local function makeDue(N, now, id, q, pr, r, g, x)
  if x and x <= now then return end
  redis.call('ZADD', wz(N, q, g), -pr, waitMember(r, id))
  rotate(N, q, g)
end

-- Puts a job into its waiting structures: its key's wait zset when due, delayed otherwise.
local function enwait(N, now, id, q, pr, r, g, x)
  redis.call('ZADD', qk(N, q, 'waiting'), 0, id)
  if x then redis.call('ZADD', N .. ':exp', x, id) end
  if r <= now then
    makeDue(N, now, id, q, pr, r, g, x)
  else
    redis.call('ZADD', qk(N, q, 'delayed'), r, id)
  end
end

-- Takes a waiting job out of its waiting structures.
local function unwait(N, id, q, r, g)
  local w = wz(N, q, g)
  redis.call('ZREM', qk(N, q, 'waiting'), id)
  redis.call('ZREM', w, waitMember(r, id))
  redis.call('ZREM', qk(N, q, 'delayed'), id)
  redis.call('ZREM', N .. ':exp', id)
  if redis.call('EXISTS', w) == 0 then redis.call('ZREM', qk(N, q, 'rot'), g or '') end
end

-- Lease indexes: namespace (reclaim), queue and group (live counts for the limits).
local function lease(N, id, q, g, le)
  redis.call('ZADD', N .. ':leases', le, id)
  redis.call('ZADD', qk(N, q, 'leases'), le, id)
  if g then redis.call('ZADD', qk(N, q, 'gl:' .. g), le, id) end
end

local function unlease(N, id, q, g)
  redis.call('ZREM', N .. ':leases', id)
  redis.call('ZREM', qk(N, q, 'leases'), id)
  if g then redis.call('ZREM', qk(N, q, 'gl:' .. g), id) end
end

-- The debounce key of a job, when it still points at that job.
local function ownDebounce(N, id, q, d)
  if not d then return nil end
  local dk = N .. ':db:' .. q .. ':' .. d
  if redis.call('GET', dk) == id then return dk end
  return nil
end

-- Counts a group's unfinished jobs; at zero its flow state becomes prunable.
local function groupCount(N, now, q, g, by)
  if not g then return end
  local n = redis.call('HINCRBY', qk(N, q, 'flow'), 'n:' .. g, by)
  if n <= 0 then
    redis.call('ZADD', qk(N, q, 'idle'), now, g)
  elseif by > 0 and n == by then
    redis.call('ZREM', qk(N, q, 'idle'), g)
  end
end

-- Moves a job to a finished state; ttl (ms, 0 = none) is the backstop expiry of its keys.
local function finish(N, now, id, q, from, to, ttl)
  local k = jk(N, id)
  local f = redis.call('HMGET', k, 'g', 'd', 'k')
  local g = f[1] or nil
  redis.call('HSET', k, 's', to, 'f', S(now), 'u', S(now))
  redis.call('HDEL', k, 'le')
  redis.call('ZREM', qk(N, q, from), id)
  redis.call('ZADD', qk(N, q, to), 0, id)
  unlease(N, id, q, g)
  groupCount(N, now, q, g, -1)
  redis.call('ZADD', qk(N, q, to == 'dead' and 'gone' or 'done'), now, id)
  if ttl > 0 then
    redis.call('PEXPIRE', k, ttl)
    if f[3] then redis.call('PEXPIRE', N .. ':k:' .. q .. ':' .. f[3], ttl) end
    local dk = ownDebounce(N, id, q, f[2] or nil)
    if dk then redis.call('PEXPIRE', dk, ttl) end
  end
end

-- Job i of a flat ARGV list, 12 fields from ARGV[i] (see enqueue-1.ts).
local JOB_ARGS = 12
local function jobAt(i)
  return { id = ARGV[i], q = ARGV[i + 1], p = ARGV[i + 2], r = tonumber(ARGV[i + 3]),
    pr = tonumber(ARGV[i + 4]), ma = tonumber(ARGV[i + 5]), lm = tonumber(ARGV[i + 6]),
    key = opt(ARGV[i + 7]), g = opt(ARGV[i + 8]), x = tonumber(ARGV[i + 9]), d = opt(ARGV[i + 10]),
    bo = opt(ARGV[i + 11]) }
end

-- Replaces a waiting job's payload, priority, run time and deadline (a debounced enqueue).
local function debounce(N, now, owner, j)
  local k = jk(N, owner)
  local f = redis.call('HMGET', k, 'r', 'g')
  unwait(N, owner, j.q, tonumber(f[1]), f[2] or nil)
  redis.call('HSET', k, 'p', j.p, 'pr', S(j.pr), 'r', S(j.r), 'u', S(now))
  if j.x then redis.call('HSET', k, 'x', S(j.x)) else redis.call('HDEL', k, 'x') end
  enwait(N, now, owner, j.q, j.pr, j.r, f[2] or nil, j.x)
end

-- Stores one new job unless its id, idempotency key or a debounce target exists; returns id,
-- created, debounced. Unset maxAttempts / leaseMs / backoff come from the queue's settings, then
-- from defs.
local function insert(N, ns, now, op, j, defs)
  local q, id = j.q, j.id
  local rk = N .. ':dbr:' .. id
  if op ~= '' then
    local was = redis.call('GET', rk)
    if was then return was, false, true end
  end
  if j.key then
    local kk = N .. ':k:' .. q .. ':' .. j.key
    local owner = redis.call('GET', kk)
    if owner and redis.call('EXISTS', jk(N, owner)) == 1 then
      local eop = redis.call('HGET', jk(N, owner), 'eop')
      return owner, (owner == id and op ~= '' and eop == op), false
    end
    redis.call('SET', kk, id)
  end
  local k = jk(N, id)
  if redis.call('EXISTS', k) == 1 then
    return id, (op ~= '' and redis.call('HGET', k, 'eop') == op), false
  end
  local dk = j.d and (N .. ':db:' .. q .. ':' .. j.d)
  if dk then
    local owner = redis.call('GET', dk)
    if owner then
      local f = redis.call('HMGET', jk(N, owner), 's', 'q', 'd', 'a')
      -- A target only until first leased: a retried job is not merged into (as on Postgres).
      if f[1] == 'queued' and f[2] == q and f[3] == j.d and f[4] == '0' then
        debounce(N, now, owner, j)
        -- The answer names another job: keep it for a re-run of this call.
        if op ~= '' then redis.call('SET', rk, owner, 'PX', 3600000) end
        return owner, false, true
      end
    end
    redis.call('SET', dk, id)
  end
  local s = settings(N, q)
  local ma = j.ma or num(s.maxAttempts) or defs.ma
  local lm = j.lm or num(s.leaseMs) or defs.lm
  local bo = j.bo or (policyOf(s.backoff) and cjson.encode(s.backoff)) or nil
  redis.call('HSET', k, 'q', q, 's', 'queued', 'p', j.p, 'pr', S(j.pr), 'a', '0', 'ma', S(ma),
    'r', S(j.r), 'lm', S(lm), 'c', S(now), 'u', S(now), 'eop', op)
  if j.key then redis.call('HSET', k, 'k', j.key) end
  if j.g then redis.call('HSET', k, 'g', j.g) end
  if j.x then redis.call('HSET', k, 'x', S(j.x)) end
  if j.d then redis.call('HSET', k, 'd', j.d) end
  if bo then redis.call('HSET', k, 'bo', bo) end
  redis.call('SADD', P .. ':ns', ns)
  redis.call('HSETNX', N .. ':queues', q, '0')
  groupCount(N, now, q, j.g, 1)
  enwait(N, now, id, q, j.pr, j.r, j.g, j.x)
  return id, true, false
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

-- A job as the contract's JobRecord (without its lease token; backoff still JSON text).
local function record(N, id, now)
  local f = redis.call('HMGET', jk(N, id), 'q', 's', 'p', 'pr', 'a', 'ma', 'r', 'c', 'u', 'le', 'f',
    'k', 'res', 'err', 'g', 'x', 'd', 'lm', 'bo')
  if not f[2] then return nil end
  local s = f[2]
  if s == 'queued' and tonumber(f[7]) > now then s = 'scheduled' end
  local rec = { id = id, queue = f[1], state = s, payload = f[3], priority = tonumber(f[4]),
    attempt = tonumber(f[5]), maxAttempts = tonumber(f[6]), runAt = tonumber(f[7]),
    createdAt = tonumber(f[8]), updatedAt = tonumber(f[9]), leaseMs = tonumber(f[18]) }
  if f[10] then rec.leaseExpiresAt = tonumber(f[10]) end
  if f[11] then rec.finishedAt = tonumber(f[11]) end
  if f[12] then rec.key = f[12] end
  if f[13] then rec.result = f[13] end
  if f[14] then rec.lastError = f[14] end
  if f[15] then rec.group = f[15] end
  if f[16] then rec.expiresAt = tonumber(f[16]) end
  if f[17] then rec.debounceKey = f[17] end
  -- The policy as its stored JSON text (the driver parses it): a cjson round trip would turn an
  -- empty delaysMs list into an object.
  if f[19] then rec.backoff = f[19] end
  return rec
end

local function claimed(N, id)
  local f = redis.call('HMGET', jk(N, id), 'q', 'p', 'pr', 'a', 'ma', 't', 'le', 'c', 'r', 's', 'g')
  local j = { id = id, queue = f[1], payload = f[2], priority = tonumber(f[3]), attempt = tonumber(f[4]),
    maxAttempts = tonumber(f[5]), leaseToken = f[6], leaseExpiresAt = tonumber(f[7]),
    createdAt = tonumber(f[8]), runAt = tonumber(f[9]), state = f[10] }
  if f[11] then j.group = f[11] end
  return j
end
`;
