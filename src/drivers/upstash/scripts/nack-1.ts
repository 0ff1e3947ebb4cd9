import { PRELUDE } from './prelude.js';

/**
 * nack: retries a leased job after a delay, or dead-letters it.
 * KEYS[1] prefix
 * ARGV    ns, id, leaseToken, now, opId, dead (0|1), retryAt ('' = backoff), hasError (0|1),
 *         error, backoff (BackoffPolicy JSON, used when the job stores none), draw, ttl
 * Returns cjson {ok = true, state = 'queued'|'dead', runAt} or {ok = false, error = code}. A
 * re-run of the same op returns the first answer.
 */
export const NACK = `${PRELUDE}
local ns, id, tok, now, op = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5]
local N = base(ns)
local k = jk(N, id)
local f = redis.call('HMGET', k, 's', 't', 'q', 'a', 'ma', 'pr', 'r', 'aop', 'g', 'x', 'bo')
local s, t, q = f[1], f[2], f[3]
if not s then return cjson.encode({ ok = false, error = 'not_found' }) end
if t == tok and op ~= '' and f[8] == op and (s == 'queued' or s == 'dead') then
  return cjson.encode({ ok = true, state = s, runAt = tonumber(f[7]) })
end
if s ~= 'active' or t ~= tok then return cjson.encode({ ok = false, error = 'lease_lost' }) end
local a, ma, pr, g = tonumber(f[4]), tonumber(f[5]), tonumber(f[6]), f[9] or nil
redis.call('HSET', k, 'aop', op)
if ARGV[8] == '1' then redis.call('HSET', k, 'err', ARGV[9]) end
if ARGV[6] == '1' or a >= ma then
  finish(N, now, id, q, 'active', 'dead', tonumber(ARGV[12]))
  return cjson.encode({ ok = true, state = 'dead', runAt = tonumber(f[7]) })
end
local policy = policyOf(decode(f[11] or nil)) or policyOf(decode(ARGV[10]))
local r = tonumber(ARGV[7]) or (now + backoffDelay(policy, a, tonumber(ARGV[11])))
redis.call('HSET', k, 's', 'queued', 'r', S(r), 'u', S(now))
redis.call('HDEL', k, 'le')
redis.call('ZREM', qk(N, q, 'active'), id)
unlease(N, id, q, g)
enwait(N, now, id, q, pr, r, g, tonumber(f[10]))
return cjson.encode({ ok = true, state = 'queued', runAt = r })
`;
