import type { Algorithm } from '../algorithm.js';

/**
 * The calling convention every algorithm's Lua script follows: one script call decides a batch of
 * one or more decisions (several decisions sent in the same tick share one round trip and one
 * script run).
 *
 * KEYS[i]   the i-th decision's limiter key (prefixed and hash-tagged; scripts may append
 *           suffixes to it, which keeps every key of one limiter key in one Redis Cluster slot)
 * ARGV[1..P] the algorithm's parameters (`Algorithm.luaParams`), read once per script run
 * then, for each decision in order, its arguments:
 *   consume: cost                         (one argument: the common case stays small)
 *   reserve: 'r', units wanted, minimum units, lease length in ms   (leased mode)
 *   release: 'x', units given back, the reservation's stamp         (leased mode)
 *
 * The decision function gets (k, op, a, b, lease) with op 'c', 'r' or 'x' and the numbers above
 * (0 where a kind has none).
 *
 * An algorithm's Lua (`Algorithm.lua`) reads its parameters and defines
 * `decide(k, op, a, b, lease)`, returning `reply(op, ...)`. Decisions of one batch run in the
 * order they were sent, under one server TIME. Token bucket, GCRA, fixed window and sliding
 * counter read a key's state once per run and write it once at the end, so a batch of decisions
 * on one key (the usual case: one key per exchange or account) costs one read and one write: the
 * algorithm's `finish`, which the driver calls last, writes back what changed (`LUA_TIME_STATE`
 * provides it for a single time per key). The sliding log works on its list per decision.
 *
 * A lone consume (one decision, a consume: nothing after its cost) takes a shorter road when the
 * algorithm has `Algorithm.luaConsume`: that code runs right after the clock is read, with `now`,
 * `floor`, `ceil`, `min`, `max` and `huge` in scope, reads its own parameters and the cost
 * (ARGV[P+1]) for the key KEYS[1], and returns the reply itself (or, for a case it leaves to the
 * batch path, ends without returning): an admission as one integer, its remaining count (no
 * table to build, convert and parse), a denial as the usual three fields. It must decide exactly as the batch path's consume does
 * (the property tests compare both with the memory store).
 *
 * Reply: one flat array, each decision's fields in turn, integers (Redis truncates Lua numbers,
 * so times travel in microseconds): consume/release add { allowed (0|1), remaining, retryAfter in
 * µs (-1: never) }; reserve adds those and { granted, validFor in µs (-1: unbounded), stamp
 * (decimal text, exact) }. A flat array costs the server no table per decision. Lua turns text
 * into numbers in arithmetic (`ARGV[1] + 0`), which the lone-consume code uses in place of
 * tonumber calls.
 *
 * The clock is Redis server TIME, so processes with skewed clocks share one notion of now. Needs
 * Redis 5 or later, where scripts replicate their effects (reading TIME before a write is allowed).
 * Every redis.call and every number parsed costs server time on each decision, so the scripts
 * read only the arguments they use and skip writes that would change nothing.
 */
export const LUA_CLOCK = `
local t = redis.call('TIME')
-- Lua turns the digits TIME replies with into numbers in arithmetic (no tonumber call needed).
local now = t[1] * 1000 + t[2] / 1000
local floor, ceil, min, max, huge = math.floor, math.ceil, math.min, math.max, math.huge
`;

/** What the batch path needs beyond the clock: the reply being built and the algorithm's `finish`. */
export const LUA_BATCH_PRELUDE = `
local out, m = {}, 0
local function reply(op, allowed, remaining, retry, granted, valid, stamp)
  out[m + 1] = allowed and 1 or 0
  -- x - x % 1 is floor(x) without a function call; an admission's retry is 0 (no ceil needed).
  out[m + 2] = remaining - remaining % 1
  if retry == 0 then out[m + 3] = 0 elseif retry == huge then out[m + 3] = -1 else out[m + 3] = ceil(retry * 1000) end
  if op ~= 'r' then
    m = m + 3
    return
  end
  out[m + 4] = granted or 0
  if valid == huge then out[m + 5] = -1 else out[m + 5] = floor((valid or 0) * 1000) end
  out[m + 6] = string.format('%.17g', stamp or 0)
  m = m + 6
end
local finish = nil
`;

/**
 * State that is one time per key (token bucket, GCRA): `readTime(k)` reads a key once per run,
 * `writeTime(k, v)` marks it, and `finish` writes each marked key once, with SET, expiring 1 s
 * after its time has passed. Algorithms that use it start their Lua with this.
 */
export const LUA_TIME_STATE = `
local times, touched = {}, {}
local function readTime(k)
  local v = times[k]
  if v == nil then
    v = tonumber(redis.call('GET', k) or '0')
    times[k] = v
  end
  return v
end
local function writeTime(k, v)
  times[k] = v
  touched[k] = true
end
finish = function()
  for k in pairs(touched) do
    local v = times[k]
    redis.call('SET', k, v, 'PX', ceil(v - now) + 1000)
  end
end
`;

/** Runs `decide` for every decision of the batch, in order, walking each one's arguments. */
function luaDriver(paramCount: number): string {
  return `
local j = ${paramCount + 1}
for i = 1, #KEYS do
  local op = ARGV[j]
  if op == 'r' then
    decide(KEYS[i], op, tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), tonumber(ARGV[j + 3]))
    j = j + 4
  elseif op == 'x' then
    decide(KEYS[i], op, tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]), 0)
    j = j + 3
  else
    decide(KEYS[i], 'c', tonumber(op), 0, 0)
    j = j + 1
  end
end
if finish then finish() end
return out
`;
}

/**
 * The whole script of one algorithm. With a `luaConsume`, a lone consume (no argument after its
 * cost) runs it right after reading the clock and returns: no batch reply, closures or per-key
 * tables to build, which is most of a sequential decision's server time after its Redis calls.
 */
export function limiterScript(algorithm: Pick<Algorithm, 'lua' | 'luaConsume' | 'luaParams'>): string {
  const paramCount = algorithm.luaParams.length;
  const lone = algorithm.luaConsume === undefined ? '' : `if ARGV[${paramCount + 2}] == nil then\n${algorithm.luaConsume}\nend\n`;
  return LUA_CLOCK + lone + LUA_BATCH_PRELUDE + algorithm.lua + luaDriver(paramCount);
}
