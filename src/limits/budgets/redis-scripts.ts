/**
 * The Lua scripts of the Redis budget store. Each runs atomically on the server and reads the
 * server's TIME, so every process sees the same windows whatever its own clock says. Keys of
 * one group share a hash tag, so on Redis Cluster they live in one slot and one script can
 * touch them all.
 */

/** Server time in ms, from TIME (seconds, microseconds). */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] freeze hash, KEYS[2..n+1] budget hashes ({ w = window number, n = count}).
 * ARGV: cost, ceiling, windowMs for each budget, in KEYS order.
 * Returns { ok, retryAfterMs, blockedIndex (1-based, 0 = none), frozenStatus, used1..usedN }.
 * Checks every budget first and writes only if all fit: one call charges all or none.
 */
export const CHARGE_SCRIPT = `${NOW}
local freeze = redis.call('HMGET', KEYS[1], 'until', 'status')
local untilMs = tonumber(freeze[1])
if untilMs and untilMs > now then
  return {0, untilMs - now, 0, tonumber(freeze[2]) or 0}
end
local n = #KEYS - 1
local reply = {1, 0, 0, 0}
local fresh = {}
for i = 1, n do
  local cost = tonumber(ARGV[3 * i - 2])
  local ceiling = tonumber(ARGV[3 * i - 1])
  local windowMs = tonumber(ARGV[3 * i])
  local w = math.floor(now / windowMs)
  local state = redis.call('HMGET', KEYS[i + 1], 'w', 'n')
  local used = 0
  if tonumber(state[1]) == w then
    used = tonumber(state[2]) or 0
    fresh[i] = false
  else
    fresh[i] = true
  end
  reply[4 + i] = used
  if used + cost > ceiling then
    reply[1] = 0
    reply[2] = (w + 1) * windowMs - now
    reply[3] = i
    return reply
  end
end
for i = 1, n do
  local cost = tonumber(ARGV[3 * i - 2])
  local windowMs = tonumber(ARGV[3 * i])
  local w = math.floor(now / windowMs)
  reply[4 + i] = reply[4 + i] + cost
  if fresh[i] then
    -- A new window: the key lives until a second after it ends.
    redis.call('HSET', KEYS[i + 1], 'w', string.format('%d', w), 'n', tostring(reply[4 + i]))
    redis.call('PEXPIRE', KEYS[i + 1], (w + 1) * windowMs - now + 1000)
  else
    redis.call('HSET', KEYS[i + 1], 'n', tostring(reply[4 + i]))
  end
end
return reply`;

/**
 * KEYS[1] budget hash. ARGV: windowMs, used. Raises the current window's count to \`used\`.
 * Returns the count.
 */
export const CORRECT_SCRIPT = `${NOW}
local windowMs = tonumber(ARGV[1])
local observed = tonumber(ARGV[2])
local w = math.floor(now / windowMs)
local state = redis.call('HMGET', KEYS[1], 'w', 'n')
local used = 0
if tonumber(state[1]) == w then used = tonumber(state[2]) or 0 end
if observed > used then used = observed end
redis.call('HSET', KEYS[1], 'w', string.format('%d', w), 'n', tostring(used))
redis.call('PEXPIRE', KEYS[1], (w + 1) * windowMs - now + 1000)
return used`;

/** KEYS[1] freeze hash. ARGV: forMs, status. Keeps a longer freeze already in force. */
export const FREEZE_SCRIPT = `${NOW}
local untilMs = now + tonumber(ARGV[1])
local existing = tonumber(redis.call('HGET', KEYS[1], 'until'))
if existing and existing >= untilMs then return existing - now end
redis.call('HSET', KEYS[1], 'until', string.format('%d', untilMs), 'status', ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000)
return untilMs - now`;

/** KEYS[1] freeze hash. Returns { remainingMs, status } or { 0, 0 } when not frozen. */
export const FROZEN_SCRIPT = `${NOW}
local freeze = redis.call('HMGET', KEYS[1], 'until', 'status')
local untilMs = tonumber(freeze[1])
if untilMs and untilMs > now then return {untilMs - now, tonumber(freeze[2]) or 0} end
return {0, 0}`;

/** KEYS[1] budget hash. ARGV: windowMs. Returns the current window's count. */
export const USED_SCRIPT = `${NOW}
local w = math.floor(now / tonumber(ARGV[1]))
local state = redis.call('HMGET', KEYS[1], 'w', 'n')
if tonumber(state[1]) == w then return tonumber(state[2]) or 0 end
return 0`;
