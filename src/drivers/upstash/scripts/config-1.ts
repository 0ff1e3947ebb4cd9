import { PRELUDE } from './prelude.js';

/*
 * Named configuration (schedules, queue settings) per namespace:
 *   N:cfg:<kind>   HASH  name -> JSON {value, updatedAt}
 *   N:cur:<kind>   HASH  name -> cursor (only ever raised)
 * KEYS[1] is the prefix in every script.
 */

/** putConfig: ARGV ns, kind, name, value, now. Registers the namespace for sweeps. Returns 'OK'. */
export const PUT_CONFIG = `${PRELUDE}
local N = base(ARGV[1])
redis.call('SADD', P .. ':ns', ARGV[1])
redis.call('HSET', N .. ':cfg:' .. ARGV[2], ARGV[3], cjson.encode({ value = ARGV[4], updatedAt = tonumber(ARGV[5]) }))
return 'OK'
`;

/** deleteConfig: ARGV ns, kind, name. Returns 1 when deleted, 0 otherwise. */
export const DELETE_CONFIG = `${PRELUDE}
local N = base(ARGV[1])
redis.call('HDEL', N .. ':cur:' .. ARGV[2], ARGV[3])
return redis.call('HDEL', N .. ':cfg:' .. ARGV[2], ARGV[3])
`;

/**
 * configs: ARGV kind, ns ('' = every namespace in P:ns).
 * Returns cjson [{ns, name, value, updatedAt, cursor?}, ...] sorted by ns then name.
 */
export const CONFIGS = `${PRELUDE}
local kind = ARGV[1]
local spaces = ARGV[2] ~= '' and { ARGV[2] } or redis.call('SMEMBERS', P .. ':ns')
table.sort(spaces)
local out = {}
for _, ns in ipairs(spaces) do
  local N = base(ns)
  local flat = redis.call('HGETALL', N .. ':cfg:' .. kind)
  local rows = {}
  for i = 1, #flat, 2 do
    local e = cjson.decode(flat[i + 1])
    local row = { ns = ns, name = flat[i], value = e.value, updatedAt = e.updatedAt }
    local cur = redis.call('HGET', N .. ':cur:' .. kind, flat[i])
    if cur then row.cursor = tonumber(cur) end
    rows[#rows + 1] = row
  end
  table.sort(rows, function(a, b) return a.name < b.name end)
  for _, r in ipairs(rows) do out[#out + 1] = r end
end
return cjson.encode(out)
`;

/** advanceCursor: ARGV ns, kind, name, cursor. Raises it only; ignores missing entries. */
export const ADVANCE_CURSOR = `${PRELUDE}
local N = base(ARGV[1])
if redis.call('HEXISTS', N .. ':cfg:' .. ARGV[2], ARGV[3]) == 0 then return 0 end
local cur = redis.call('HGET', N .. ':cur:' .. ARGV[2], ARGV[3])
if cur and tonumber(cur) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', N .. ':cur:' .. ARGV[2], ARGV[3], ARGV[4])
return 1
`;
