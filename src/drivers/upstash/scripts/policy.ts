/**
 * Lua for the per-queue policies (part of the prelude): stored queue settings, retry backoff and
 * the GCRA rate limit. Ports of `backoffDelay`, `rateAllowance` and `rateAdvance` in ../../types.ts;
 * the arithmetic runs in the same order on the same doubles, so Lua and JS agree to the ms.
 */
export const POLICY = `
-- Lossless text for a float (a rate's TAT is fractional); S() would truncate it.
local function F(x) return string.format('%.17g', x) end
local function num(v) if type(v) == 'number' then return v end return nil end
local function tbl(v) if type(v) == 'table' then return v end return nil end

-- JSON text -> table, nil when empty or malformed (a bad document must not fail the call).
local function decode(s)
  if not s or s == '' then return nil end
  local ok, v = pcall(cjson.decode, s)
  if ok and type(v) == 'table' then return v end
  return nil
end

-- A queue's stored settings (config kind 'queue', a QueueSettings document), {} when none.
local settingsCache = {}
local function settings(N, q)
  local s = settingsCache[q]
  if s then return s end
  local entry = decode(redis.call('HGET', N .. ':cfg:queue', q))
  s = (entry and decode(entry.value)) or {}
  settingsCache[q] = s
  return s
end

-- A decoded BackoffPolicy when it is one (a malformed stored one must not fail a nack), else nil.
local function policyOf(b)
  b = tbl(b)
  if not b then return nil end
  if tbl(b.delaysMs) then return b end
  if num(b.baseMs) and num(b.maxMs) then
    return { baseMs = b.baseMs, maxMs = b.maxMs, jitter = num(b.jitter) or 0 }
  end
  return nil
end

-- Retry delay for a job that has used a attempts, per a BackoffPolicy (from policyOf).
local function backoffDelay(b, a, draw)
  a = math.max(a, 1)
  local list = tbl(b.delaysMs)
  if list then return num(list[math.min(a, #list)]) or 0 end
  local e = math.min(a - 1, 30)
  return math.floor(math.min(b.maxMs, b.baseMs * 2 ^ e) * (1 - b.jitter * draw))
end

-- A RateLimit document -> {limit, periodMs, burst}, nil when unset or malformed.
local function rateOf(r)
  r = tbl(r)
  if not r or not num(r.limit) or not num(r.periodMs) then return nil end
  return { limit = r.limit, periodMs = r.periodMs, burst = num(r.burst) or 1 }
end

-- From the debt max(tat, now) - now, not epoch sums: near 1.8e12 ms a double keeps ~0.0002 ms,
-- enough to lose a whole slot in now + burst * t.
local function rateAllowance(r, tat, now)
  local t = r.periodMs / (r.limit - r.burst + 1)
  return math.max(0, math.floor(r.burst - (math.max(tat, now) - now) / t))
end

local function rateAdvance(r, tat, now, taken)
  return math.max(tat, now) + (taken * r.periodMs) / (r.limit - r.burst + 1)
end
`;
