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
 * Reply, as integers (Redis truncates Lua numbers, so times travel in microseconds):
 * consume/release { allowed (0|1), remaining, retryAfter in µs (-1: never) };
 * reserve adds { granted, validFor in µs (-1: unbounded), stamp (decimal text, exact) }.
 *
 * The clock is Redis server TIME, so processes with skewed clocks share one notion of now. Needs
 * Redis 5 or later, where scripts replicate their effects (reading TIME before a write is allowed).
 *
 * Every redis.call and every number parsed costs server time on each decision, so consume reads
 * only the arguments it uses and the scripts skip writes that would change nothing.
 */
export const LUA_PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local a = tonumber(ARGV[2])
local b, lease = 0, 0
if op ~= 'c' then b, lease = tonumber(ARGV[3]), tonumber(ARGV[4]) end
local function reply(allowed, remaining, retry, granted, valid, stamp)
  local r = { allowed and 1 or 0, math.floor(remaining), -1 }
  if retry ~= math.huge then r[3] = math.ceil(retry * 1000) end
  if op == 'r' then
    r[4] = granted
    r[5] = -1
    if valid ~= math.huge then r[5] = math.floor(valid * 1000) end
    r[6] = string.format('%.17g', stamp)
  end
  return r
end
`;
