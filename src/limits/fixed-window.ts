import type { Clock } from '../core/clock.js';
import type { Decision } from '../core/limiter.js';
import { checkInteger } from '../core/option-checks.js';
import { type Algorithm, type Grant, type MemoryState, denied, positive } from './algorithm.js';
import { type RateLimiter, type LimiterOptions, createLimiter } from './rate-limiter.js';
import { SlotTable } from './slots.js';
import type { LimiterStore } from './stores/store.js';

export interface FixedWindowOptions extends LimiterOptions {
  /** Units admitted per window. Required. */
  limit: number;
  /** Window length in ms; windows are aligned to multiples of it since the clock's origin. Required. */
  windowMs: number;
  store?: LimiterStore;
  clock?: Clock;
}

/** Counts are kept as unsigned 32-bit integers. */
const MAX_COUNT = 0xffff_ffff;

/**
 * Fixed windows: two 32-bit numbers per key, the window's index (modulo 2^32) and the units
 * charged in it (8 bytes of state, plus the key's Map entry). Cheap and
 * aligned with exchanges that reset counters on the clock (per minute, per day), but a rolling
 * window straddling a boundary can hold up to 2 x limit.
 */
export function fixedWindowAlgorithm(limit: number, windowMs: number): Algorithm {
  checkInteger('fixedWindow', 'limit', limit, 1, false, MAX_COUNT);
  positive('fixedWindow', 'windowMs', windowMs);
  return {
    name: 'fw',
    maxCost: limit,
    ratePerMs: limit / windowMs,
    luaParams: [limit, windowMs],
    lua: FIXED_WINDOW_LUA,
    luaConsume: FIXED_WINDOW_LUA_CONSUME,
    createMemoryState: () => new FixedWindowState(limit, windowMs),
  };
}

class FixedWindowState implements MemoryState {
  private readonly slots: SlotTable<Uint32Array>;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    // Idle once its window is not the current one. An all-zero slot (count 0) is valid in any window.
    this.slots = new SlotTable<Uint32Array>(
      2,
      (data, base, now) => data[base] !== Math.floor(now / windowMs) >>> 0,
      undefined,
      undefined,
      (length) => new Uint32Array(length),
    );
  }

  get size(): number {
    return this.slots.size;
  }

  /** Units charged in `window` (compared modulo 2^32, as stored). */
  private used(base: number, window: number): number {
    return base >= 0 && this.slots.data[base] === window >>> 0 ? (this.slots.data[base + 1] as number) : 0;
  }

  private charge(key: string, found: number, window: number, used: number, units: number, now: number): void {
    // One Map lookup on the hot path: allocate only for a key seen for the first time.
    const base = found >= 0 ? found : this.slots.get(key, now);
    const data = this.slots.data;
    data[base] = window >>> 0;
    data[base + 1] = used + units;
  }

  consume(key: string, cost: number, now: number): Decision {
    const window = Math.floor(now / this.windowMs);
    const found = this.slots.find(key);
    const used = this.used(found, window);
    const room = this.limit - used;
    if (cost > this.limit) return { allowed: false, remaining: room, retryAfterMs: Infinity };
    if (cost > room) return { allowed: false, remaining: room, retryAfterMs: (window + 1) * this.windowMs - now };
    this.charge(key, found, window, used, cost, now);
    return { allowed: true, remaining: room - cost, retryAfterMs: 0 };
  }

  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant {
    const window = Math.floor(now / this.windowMs);
    const found = this.slots.find(key);
    const used = this.used(found, window);
    const room = this.limit - used;
    const granted = Math.min(want, room);
    if (granted < min) return denied(room, min > this.limit ? Infinity : (window + 1) * this.windowMs - now);
    this.charge(key, found, window, used, granted, now);
    // Units are counted in this window only, so they must be spent before it ends.
    const validForMs = Math.min(leaseMs, (window + 1) * this.windowMs - now);
    return { granted, remaining: room - granted, retryAfterMs: 0, validForMs, stamp: window };
  }

  release(key: string, units: number, stamp: number): void {
    const base = this.slots.find(key);
    if (base < 0 || this.slots.data[base] !== stamp >>> 0) return;
    const data = this.slots.data;
    data[base + 1] = Math.max(0, (data[base + 1] as number) - units);
  }
}

/**
 * A lone consume (see stores/lua.ts): one INCRBY (its cost passed on as the text it came as, no
 * number to format), undone by a second when it does not fit.
 */
const FIXED_WINDOW_LUA_CONSUME = `
local limit, windowMs, cost = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
local window = floor(now / windowMs)
local k = KEYS[1] .. ':' .. window
local after = redis.call('INCRBY', k, ARGV[3])
local ends = (window + 1) * windowMs
if after == cost then redis.call('PEXPIRE', k, ceil(ends - now) + 1000) end
local room = limit - after + cost
if cost <= room then return room - cost end
redis.call('DECRBY', k, ARGV[3])
if cost > limit then return {0, room, -1} end
return {0, room, ceil((ends - now) * 1000)}
`;

const FIXED_WINDOW_LUA = `
local limit, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local window = floor(now / windowMs)
local ends = (window + 1) * windowMs
-- Concatenating the number spells an integer as its digits, cheaper than string.format.
local suffix = ':' .. window
-- Per window key: the count as this run sees it, and the count Redis holds; what differs is
-- written once, in finish. The first charge of a key in a run is sent at once (one INCRBY on
-- the common path, which also tells whether it created the key).
local counts, held = {}, {}
local function decide(k, op, a, b, lease)
  if op == 'x' then
    local wk = k .. ':' .. b
    local used = counts[wk]
    if used == nil then
      used = tonumber(redis.call('GET', wk) or '0')
      held[wk] = used
    end
    counts[wk] = used - min(used, a)
    return reply(op, true, 0, 0)
  end
  k = k .. suffix
  local used = counts[k]
  if used == nil then
    local after = redis.call('INCRBY', k, a)
    if after == a then redis.call('PEXPIRE', k, ceil(ends - now) + 1000) end
    held[k] = after
    used = after - a
  end
  local room = limit - used
  local least = a
  if op == 'r' then least = b end
  local granted = min(a, room)
  if granted < least then
    counts[k] = used
    local retry = ends - now
    if least > limit then retry = huge end
    return reply(op, false, room, retry)
  end
  counts[k] = used + granted
  if op == 'r' then return reply(op, true, room - granted, 0, granted, min(lease, ends - now), window) end
  return reply(op, true, room - granted, 0)
end
finish = function()
  for k, count in pairs(counts) do
    local diff = count - held[k]
    if diff ~= 0 then
      -- A key this run creates (a release of nothing, then charges) gets its expiry here.
      if redis.call('INCRBY', k, diff) == diff then redis.call('PEXPIRE', k, ceil(ends - now) + 1000) end
    end
  end
end
`;

/** Fixed windows of `windowMs` admitting `limit` units each. */
export function fixedWindow(options: FixedWindowOptions): RateLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('fixedWindow(options) needs an options object');
  return createLimiter(fixedWindowAlgorithm(options.limit, options.windowMs), options, 'fixedWindow');
}
