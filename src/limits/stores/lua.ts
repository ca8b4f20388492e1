/**
 * The calling convention every algorithm's Lua script follows, and the prelude they share.
 *
 * KEYS[1]  the limiter key (already prefixed and hash-tagged; scripts may append suffixes to it,
 *          which keeps every key of one limiter key in the same Redis Cluster slot)
 * ARGV[1]  operation: 'c' consume, 'r' reserve (leased mode), 'x' release (leased mode)
 * ARGV[2]  consume: cost | reserve: units wanted | release: units given back
 * ARGV[3]  reserve: minimum units | release: the reservation's stamp
 * ARGV[4]  reserve: lease length in ms
 * ARGV[5..] the algorithm's parameters (`Algorithm.luaParams`)
 *
 * Reply: { allowed (0|1), remaining, retryAfterMs, granted, validForMs, stamp } as strings, so
 * fractions survive (Redis truncates Lua numbers to integers).
 *
 * The clock is Redis server TIME, so processes with skewed clocks share one notion of now.
 */
export const LUA_PRELUDE = `
-- Before Redis 5, a script that reads TIME and then writes must replicate its effects.
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local a = tonumber(ARGV[2])
local b = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local function f(x) return string.format('%.17g', x) end
local function reply(allowed, remaining, retry, granted, valid, stamp)
  return { allowed and '1' or '0', f(remaining), f(retry), f(granted), f(valid), f(stamp) }
end
`;
