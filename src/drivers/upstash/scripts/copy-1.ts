import { PRELUDE } from './prelude.js';

/** Fields per job in RESTORE's ARGV, in order. */
export const RESTORE_FIELDS = 20;

/**
 * restore: stores jobs as another store had them (`edgeq copy`), into the same structures
 * enqueue, claim and finish keep: waiting jobs into Q:waiting, their key's wait set (or
 * Q:delayed) and the rotation, N:exp and the group's unfinished count; finished ones into
 * Q:<state> and Q:done / Q:gone by finish time, with the backstop expiry `finish` gives.
 * KEYS[1] prefix
 * ARGV    ns, now, opId, ttl (ms, 0 = none), then 20 per job: id, queue, state (queued | dead |
 *         completed | cancelled), payload, priority, attempt, maxAttempts, runAt, leaseMs, key,
 *         group, expiresAt, debounceKey, holder ('1' = may become the debounce key's merge
 *         target), backoff (JSON), result, lastError, createdAt, updatedAt, finishedAt; '' = unset
 * Returns cjson {restored, skipped, conflicts = [id, ...]}. An existing id is skipped, unless
 * this call wrote it (same opId: a re-run after a lost response), which counts as restored again.
 */
export const RESTORE = `${PRELUDE}
local ns, now, op, ttl = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local N = base(ns)
local restored, skipped, conflicts = 0, 0, {}
for i = 5, #ARGV, ${RESTORE_FIELDS} do
  local id, q, s = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local k = jk(N, id)
  local key, g, x, d = opt(ARGV[i + 9]), opt(ARGV[i + 10]), tonumber(ARGV[i + 11]), opt(ARGV[i + 12])
  local kk = key and (N .. ':k:' .. q .. ':' .. key)
  local owner = kk and redis.call('GET', kk)
  if redis.call('EXISTS', k) == 1 then
    if op ~= '' and redis.call('HGET', k, 'eop') == op then restored = restored + 1
    else skipped = skipped + 1 end
  elseif owner and redis.call('EXISTS', jk(N, owner)) == 1 then
    conflicts[#conflicts + 1] = id
  else
    local pr, r = tonumber(ARGV[i + 4]), tonumber(ARGV[i + 7])
    redis.call('HSET', k, 'q', q, 's', s, 'p', ARGV[i + 3], 'pr', S(pr), 'a', ARGV[i + 5],
      'ma', ARGV[i + 6], 'r', S(r), 'lm', ARGV[i + 8], 'c', ARGV[i + 17], 'u', ARGV[i + 18], 'eop', op)
    if key then redis.call('HSET', k, 'k', key) end
    if g then redis.call('HSET', k, 'g', g) end
    if x then redis.call('HSET', k, 'x', S(x)) end
    if d then redis.call('HSET', k, 'd', d) end
    for _, field in ipairs({ { 'bo', 14 }, { 'res', 15 }, { 'err', 16 } }) do
      local v = opt(ARGV[i + field[2]])
      if v then redis.call('HSET', k, field[1], v) end
    end
    if kk then redis.call('SET', kk, id) end
    redis.call('SADD', P .. ':ns', ns)
    redis.call('HSETNX', N .. ':queues', q, '0')
    if s == 'queued' then
      groupCount(N, now, q, g, 1)
      enwait(N, now, id, q, pr, r, g, x)
      if d and ARGV[i + 13] == '1' then
        -- The key's merge target, unless a waiting job that never ran still is (as insert checks).
        local dk = N .. ':db:' .. q .. ':' .. d
        local cur = redis.call('GET', dk)
        local f = cur and redis.call('HMGET', jk(N, cur), 's', 'q', 'd', 'a')
        if not (f and f[1] == 'queued' and f[2] == q and f[3] == d and f[4] == '0') then
          redis.call('SET', dk, id)
        end
      end
    else
      local fin = tonumber(ARGV[i + 19]) or now
      redis.call('HSET', k, 'f', S(fin))
      redis.call('ZADD', qk(N, q, s), 0, id)
      redis.call('ZADD', qk(N, q, s == 'dead' and 'gone' or 'done'), fin, id)
      if ttl > 0 then
        redis.call('PEXPIRE', k, ttl)
        if kk then redis.call('PEXPIRE', kk, ttl) end
      end
    end
    restored = restored + 1
  end
end
return cjson.encode({ restored = restored, skipped = skipped, conflicts = conflicts })
`;

/** namespaces: KEYS[1] prefix. Returns cjson [ns, ...] sorted: those that held jobs or config. */
export const NAMESPACES = `${PRELUDE}
local spaces = redis.call('SMEMBERS', P .. ':ns')
table.sort(spaces)
return cjson.encode(spaces)
`;
