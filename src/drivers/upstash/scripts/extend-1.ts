import { PRELUDE } from './prelude.js';

/**
 * extend: renews a lease from now. A re-run sets the same expiry again (same now), so it is safe.
 * KEYS[1] prefix
 * ARGV    ns, id, leaseToken, now, leaseMs
 * Returns cjson {ok = true, leaseExpiresAt} or {ok = false, error = code}.
 */
export const EXTEND = `${PRELUDE}
local ns, id, tok, now, ms = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local N = base(ns)
local k = jk(N, id)
local f = redis.call('HMGET', k, 's', 't', 'q', 'g')
if not f[1] then return cjson.encode({ ok = false, error = 'not_found' }) end
if f[1] ~= 'active' or f[2] ~= tok then return cjson.encode({ ok = false, error = 'lease_lost' }) end
local le = now + ms
redis.call('HSET', k, 'le', S(le), 'u', S(now))
lease(N, id, f[3], f[4] or nil, le)
return cjson.encode({ ok = true, leaseExpiresAt = le })
`;
