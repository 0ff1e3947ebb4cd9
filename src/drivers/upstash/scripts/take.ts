/**
 * Lua for the claim's choice of jobs (the port of `takeFair` in ../../memory/flow.ts): how many
 * jobs the queue's limits allow, and which ones, rotating between group keys.
 *
 * Cost: O(log n) per job taken plus one step per key the rotation walk considers. A busy group's
 * backlog is never walked: each key is one wait zset whose head is read with ZRANGE 0 0, and keys
 * at their limit are skipped after two O(log n) reads (ZCOUNT of live leases, HGET of the TAT).
 * Exact under concurrency because the whole claim is one script.
 */
export const TAKE = `
-- Leases still held at now in a zset scored by lease expiry (an expired lease holds nothing).
local function live(key, now) return redis.call('ZCOUNT', key, '(' .. S(now), '+inf') end

-- The best due job of a wait zset: member, id. Jobs past their deadline met on the way are taken
-- out of it (parked for reclaim), so no claim meets them twice.
local function head(N, w, now)
  while true do
    local m = redis.call('ZRANGE', w, 0, 0)[1]
    if not m then return nil end
    local id = string.sub(m, 17)
    local f = redis.call('HMGET', jk(N, id), 'x', 's')
    if f[2] == 'queued' and not (f[1] and tonumber(f[1]) <= now) then return m, id end
    redis.call('ZREM', w, m)
  end
end

-- Ids to lease (in take order), out of their wait zsets; flow state and rotation updated.
local function take(N, q, now, limit, limits)
  local flow, rot = qk(N, q, 'flow'), qk(N, q, 'rot')
  local rate, grate = rateOf(limits.rate), rateOf(limits.groupRate)
  local conc, gconc = num(limits.concurrency), num(limits.groupConcurrency)
  local room = limit
  if conc then room = math.min(room, conc - live(qk(N, q, 'leases'), now)) end
  local tat = tonumber(redis.call('HGET', flow, 'tat')) or 0
  if rate then room = math.min(room, rateAllowance(rate, tat, now)) end
  local taken = {}
  if room <= 0 then return taken end
  local seq = tonumber(redis.call('HGET', flow, 'seq')) or 0
  local served, order, empty, open = {}, {}, {}, {}

  local function takeFrom(k)
    local m, id = head(N, k.w, now)
    if not m then return false end
    redis.call('ZREM', k.w, m)
    taken[#taken + 1] = id
    seq = seq + 1
    k.n = k.n + 1
    if not served[k.g] then order[#order + 1] = k end
    served[k.g] = seq
    return true
  end

  -- Round 1: walk the rotation (least recently served first); the walk only reads it, writes
  -- wait until the end so ranks stay put.
  local from = 0
  while #taken < room do
    local keys = redis.call('ZRANGE', rot, from, from + 99)
    if #keys == 0 then break end
    for _, g in ipairs(keys) do
      if #taken >= room then break end
      local gRoom = room
      if g ~= '' then
        if gconc then gRoom = math.min(gRoom, gconc - live(qk(N, q, 'gl:' .. g), now)) end
        if grate then
          local gt = tonumber(redis.call('HGET', flow, 't:' .. g)) or 0
          gRoom = math.min(gRoom, rateAllowance(grate, gt, now))
        end
      end
      if gRoom > 0 then
        local k = { g = g, w = wz(N, q, g), room = gRoom, n = 0 }
        if takeFrom(k) then
          if k.n < k.room then open[#open + 1] = k end
        else
          empty[#empty + 1] = g
        end
      end
    end
    from = from + 100
  end
  -- Rounds 2..: one more job per key that still has room and due jobs, in the same order.
  while #taken < room and #open > 0 do
    local still = {}
    for _, k in ipairs(open) do
      if #taken >= room then break end
      if takeFrom(k) and k.n < k.room then still[#still + 1] = k end
    end
    open = still
  end

  for _, g in ipairs(empty) do redis.call('ZREM', rot, g) end
  -- A claim that served only jobs without a group records nothing (as every driver does).
  local plain = #order == 1 and order[1].g == ''
  for _, k in ipairs(order) do
    local s = served[k.g]
    if plain then s = tonumber(redis.call('HGET', flow, 's:') or '0') end
    redis.call('HSET', flow, 's:' .. k.g, S(s))
    if redis.call('EXISTS', k.w) == 1 then
      redis.call('ZADD', rot, s, k.g)
    else
      redis.call('ZREM', rot, k.g)
    end
    if grate and k.g ~= '' then
      local gt = tonumber(redis.call('HGET', flow, 't:' .. k.g)) or 0
      redis.call('HSET', flow, 't:' .. k.g, F(rateAdvance(grate, gt, now, k.n)))
    end
  end
  if #taken > 0 then
    redis.call('HSET', flow, 'seq', S(seq))
    if rate then redis.call('HSET', flow, 'tat', F(rateAdvance(rate, tat, now, #taken))) end
  end
  return taken
end
`;
