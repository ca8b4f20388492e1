import type { Decision } from '../core/limiter.js';
import { checkInteger } from '../core/option-checks.js';
import { type Algorithm, type Grant, type MemoryState, denied, positive } from './algorithm.js';
import { SlotTable } from './slots.js';

/** Counts are kept as unsigned 32-bit integers. */
const MAX_COUNT = 0xffff_ffff;

/**
 * The approximate sliding window: three 32-bit numbers per key (window index modulo 2^32,
 * previous window's count, current window's count: 12 bytes plus the key's Map entry). The rolling count is estimated as `previous x (1 - elapsed/windowMs)
 * + current`, which assumes the previous window's calls were spread evenly. Worst case: when
 * they were bunched at its end, a rolling window can hold up to 2 x limit - 1 units (measured
 * in docs/limits.md); typical error is small.
 */
export function slidingCounterAlgorithm(limit: number, windowMs: number): Algorithm {
  // Counter mode keeps counts in 32 bits.
  checkInteger('slidingWindow', 'limit', limit, 1, false, MAX_COUNT);
  positive('slidingWindow', 'windowMs', windowMs);
  return {
    name: 'swc',
    maxCost: limit,
    ratePerMs: limit / windowMs,
    luaParams: [limit, windowMs],
    lua: SLIDING_COUNTER_LUA,
    luaConsume: SLIDING_COUNTER_LUA_CONSUME,
    createMemoryState: () => new SlidingCounterState(limit, windowMs),
  };
}

class SlidingCounterState implements MemoryState {
  private readonly slots: SlotTable<Uint32Array>;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    // Idle once neither stored count is in the current or the previous window (indices modulo 2^32).
    this.slots = new SlotTable<Uint32Array>(
      3,
      (data, base, now) => ((Math.floor(now / windowMs) - (data[base] as number)) >>> 0) >= 2,
      undefined,
      undefined,
      (length) => new Uint32Array(length),
    );
  }

  get size(): number {
    return this.slots.size;
  }

  // The view of the last key read, kept in fields so a decision allocates no tuple.
  private window = 0;
  private prev = 0;
  private cur = 0;

  /** Reads the window, previous and current counts of the slot at `base` as seen at `now`. */
  private view(base: number, now: number): void {
    const window = Math.floor(now / this.windowMs);
    this.window = window;
    this.prev = 0;
    this.cur = 0;
    if (base < 0) return;
    const data = this.slots.data;
    const stored = data[base] as number;
    if (stored === window >>> 0) {
      this.prev = data[base + 1] as number;
      this.cur = data[base + 2] as number;
    } else if (stored === (window - 1) >>> 0) {
      this.prev = data[base + 2] as number;
    }
  }

  /** When `cost` more units would fit, counted from `now`. */
  private retryAfter(window: number, prev: number, cur: number, cost: number, now: number): number {
    if (cost > this.limit) return Infinity;
    const w = this.windowMs;
    // Within this window: prev * (1 - f) + cur + cost <= limit.
    if (prev > 0 && cur + cost <= this.limit) {
      const f = 1 - (this.limit - cur - cost) / prev;
      return Math.max(0, window * w + f * w - now);
    }
    // In the next window, where cur becomes the previous count.
    const f = cur > 0 ? Math.max(0, 1 - (this.limit - cost) / cur) : 0;
    return (window + 1) * w + f * w - now;
  }

  /** Units that fit now for the key just viewed. */
  private room(now: number): number {
    const weight = 1 - (now - this.window * this.windowMs) / this.windowMs;
    return Math.floor(this.limit - this.prev * weight - this.cur + 1e-9);
  }

  private charge(key: string, found: number, units: number, now: number): void {
    const base = found >= 0 ? found : this.slots.get(key, now);
    const data = this.slots.data;
    data[base] = this.window >>> 0;
    data[base + 1] = this.prev;
    data[base + 2] = this.cur + units;
  }

  consume(key: string, cost: number, now: number): Decision {
    const found = this.slots.find(key);
    this.view(found, now);
    const room = this.room(now);
    if (cost > room) {
      return { allowed: false, remaining: Math.max(0, room), retryAfterMs: this.retryAfter(this.window, this.prev, this.cur, cost, now) };
    }
    this.charge(key, found, cost, now);
    return { allowed: true, remaining: room - cost, retryAfterMs: 0 };
  }

  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant {
    const found = this.slots.find(key);
    this.view(found, now);
    const room = this.room(now);
    const granted = Math.min(want, room);
    if (granted < min) return denied(Math.max(0, room), this.retryAfter(this.window, this.prev, this.cur, min, now));
    const window = this.window;
    this.charge(key, found, granted, now);
    return { granted, remaining: room - granted, retryAfterMs: 0, validForMs: Math.min(leaseMs, (window + 1) * this.windowMs - now), stamp: window };
  }

  release(key: string, units: number, stamp: number): void {
    const base = this.slots.find(key);
    if (base < 0 || this.slots.data[base] !== stamp >>> 0) return;
    const data = this.slots.data;
    data[base + 2] = Math.max(0, (data[base + 2] as number) - units);
  }
}

/**
 * A lone consume (see stores/lua.ts): one HMGET, and when it admits one HINCRBY within the stored
 * window (its cost passed on as the text it came as), or the new window's counts with their expiry.
 */
const SLIDING_COUNTER_LUA_CONSUME = `
local limit, windowMs, cost = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
local window = floor(now / windowMs)
local k = KEYS[1]
local r = redis.call('HMGET', k, 'w', 'p', 'c')
local sw, prev, cur = (r[1] or -2) + 0, (r[2] or 0) + 0, (r[3] or 0) + 0
if sw == window - 1 then prev = cur; cur = 0 elseif sw ~= window then prev = 0; cur = 0 end
local room = floor(limit - prev * (1 - (now - window * windowMs) / windowMs) - cur + 1e-9)
if cost <= room then
  if sw == window then
    redis.call('HINCRBY', k, 'c', ARGV[3])
  else
    redis.call('HSET', k, 'w', window, 'p', prev, 'c', ARGV[3])
    redis.call('PEXPIRE', k, ceil(2 * windowMs) + 1000)
  end
  return room - cost
end
if room < 0 then room = 0 end
if cost > limit then return {0, room, -1} end
local retry
if prev > 0 and cur + cost <= limit then
  retry = max(0, window * windowMs + (1 - (limit - cur - cost) / prev) * windowMs - now)
else
  local fr = 0
  if cur > 0 then fr = max(0, 1 - (limit - cost) / cur) end
  retry = (window + 1) * windowMs + fr * windowMs - now
end
return {0, room, ceil(retry * 1000)}
`;

const SLIDING_COUNTER_LUA = `
local limit, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local window = floor(now / windowMs)
local weight = 1 - (now - window * windowMs) / windowMs
-- Per key, read once per run: { window, previous count, current count, window as stored }.
local states, dirty = {}, {}
local function decide(k, op, a, b, lease)
  local st = states[k]
  if st == nil then
    local r = redis.call('HMGET', k, 'w', 'p', 'c')
    local stored = tonumber(r[1] or '-2')
    st = { stored, tonumber(r[2] or '0'), tonumber(r[3] or '0'), stored }
    states[k] = st
  end
  local sw, prev, cur = st[1], st[2], st[3]
  if op == 'x' then
    -- Units go back to the window they were charged in, as long as it is still the stored one
    -- (the current window, or the previous one that the current window weighs in).
    if sw == b then
      st[3] = max(0, cur - a)
      dirty[k] = true
    end
    return reply(op, true, 0, 0)
  end
  if sw == window - 1 then prev = cur; cur = 0 elseif sw ~= window then prev = 0; cur = 0 end
  local room = floor(limit - prev * weight - cur + 1e-9)
  local least = a
  if op == 'r' then least = b end
  local granted = min(a, room)
  if granted < least then
    local retry
    if least > limit then retry = huge
    elseif prev > 0 and cur + least <= limit then
      retry = max(0, window * windowMs + (1 - (limit - cur - least) / prev) * windowMs - now)
    else
      local fr = 0
      if cur > 0 then fr = max(0, 1 - (limit - least) / cur) end
      retry = (window + 1) * windowMs + fr * windowMs - now
    end
    return reply(op, false, max(0, room), retry)
  end
  st[1], st[2], st[3] = window, prev, cur + granted
  dirty[k] = true
  local valid = huge
  if op == 'r' then valid = min(lease, (window + 1) * windowMs - now) end
  return reply(op, true, room - granted, 0, granted, valid, window)
end
finish = function()
  for k in pairs(dirty) do
    local st = states[k]
    if st[1] == st[4] then
      redis.call('HSET', k, 'c', st[3])
    else
      redis.call('HSET', k, 'w', st[1], 'p', st[2], 'c', st[3])
      -- Set at the first write of a window, the expiry outlives the next window (where this one is prev).
      redis.call('PEXPIRE', k, ceil(2 * windowMs) + 1000)
    end
  end
end
`;
