import type { Clock } from '../core/clock.js';
import type { Decision } from '../core/limiter.js';
import { LUA_TIME_STATE } from './stores/lua.js';
import { type Algorithm, type Grant, type MemoryState, denied, positive, positiveInteger } from './algorithm.js';
import { type RateLimiter, type LimiterOptions, createLimiter } from './rate-limiter.js';
import { SlotTable } from './slots.js';
import type { LimiterStore } from './stores/store.js';

export interface GcraOptions extends LimiterOptions {
  /** Calls (cost units) admitted per `periodMs` on average. Required. */
  limit: number;
  /** The period `limit` is counted over, in ms (sub-second periods are fine). Required. */
  periodMs: number;
  /** Units admissible at once from idle; defaults to `limit` (a full period's worth, like a bucket of `limit`). */
  burst?: number;
  store?: LimiterStore;
  clock?: Clock;
}

/**
 * GCRA (generic cell rate algorithm): one number per key, the theoretical arrival time (TAT).
 * Each unit moves TAT forward by the emission interval T = periodMs / limit; a call is admitted
 * when TAT after charging is at most `burst * T` ahead of now. Idle keys (TAT passed) are swept.
 */
export function gcraAlgorithm(limit: number, periodMs: number, burst: number = limit): Algorithm {
  positive('gcra', 'limit', limit);
  positive('gcra', 'periodMs', periodMs);
  positiveInteger('gcra', 'burst', burst);
  const interval = periodMs / limit;
  return {
    name: 'gcra',
    maxCost: burst,
    ratePerMs: 1 / interval,
    luaParams: [interval, burst * interval],
    lua: GCRA_LUA,
    luaConsume: GCRA_LUA_CONSUME,
    createMemoryState: () => new GcraState(interval, burst),
  };
}

class GcraState implements MemoryState {
  private readonly slots = new SlotTable(1, (data, base, now) => (data[base] as number) <= now);
  private readonly tolerance: number;
  constructor(
    private readonly interval: number,
    private readonly burst: number,
  ) {
    this.tolerance = burst * interval;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Units that fit at `now` (fractional). */
  private room(base: number, now: number): number {
    const tat = base < 0 ? now : Math.max(this.slots.data[base] as number, now);
    return (this.tolerance - (tat - now)) / this.interval;
  }

  private charge(key: string, found: number, units: number, now: number): void {
    // One Map lookup on the hot path: allocate only for a key seen for the first time.
    const base = found >= 0 ? found : this.slots.get(key, now);
    const data = this.slots.data;
    data[base] = Math.max(data[base] as number, now) + units * this.interval;
  }

  consume(key: string, cost: number, now: number): Decision {
    const found = this.slots.find(key);
    const room = this.room(found, now);
    if (cost > this.burst) return { allowed: false, remaining: Math.floor(room), retryAfterMs: Infinity };
    if (room + 1e-9 < cost) return { allowed: false, remaining: Math.floor(room), retryAfterMs: (cost - room) * this.interval };
    this.charge(key, found, cost, now);
    return { allowed: true, remaining: Math.floor(room - cost + 1e-9), retryAfterMs: 0 };
  }

  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant {
    const found = this.slots.find(key);
    const room = this.room(found, now);
    const granted = Math.min(want, Math.floor(room + 1e-9));
    if (granted < min) return denied(Math.floor(room), min > this.burst ? Infinity : (min - room) * this.interval);
    this.charge(key, found, granted, now);
    return { granted, remaining: Math.floor(room - granted + 1e-9), retryAfterMs: 0, validForMs: leaseMs, stamp: now };
  }

  release(key: string, units: number, _stamp: number, now: number): void {
    const base = this.slots.find(key);
    if (base < 0) return;
    const data = this.slots.data;
    data[base] = Math.max(now, (data[base] as number) - units * this.interval);
  }
}

/** A lone consume (see stores/lua.ts): one GET, and one SET when it admits. */
const GCRA_LUA_CONSUME = `
local interval, tolerance, cost = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
local k = KEYS[1]
local tat = max((redis.call('GET', k) or 0) + 0, now)
local room = (tolerance - (tat - now)) / interval
if cost * interval > tolerance + 1e-9 then return {0, room - room % 1, -1} end
if room + 1e-9 < cost then return {0, room - room % 1, ceil((cost - room) * interval * 1000)} end
tat = tat + cost * interval
redis.call('SET', k, tat, 'PX', ceil(tat - now) + 1000)
room = room - cost + 1e-9
return room - room % 1
`;

const GCRA_LUA = `${LUA_TIME_STATE}
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local function charge(k, tat, units)
  writeTime(k, tat + units * interval)
end
local function decide(k, op, a, b, lease)
  local tat = max(readTime(k), now)
  local room = (tolerance - (tat - now)) / interval
  if op == 'c' then
    if a * interval > tolerance + 1e-9 then return reply(op, false, room, huge) end
    if room + 1e-9 < a then return reply(op, false, room, (a - room) * interval) end
    charge(k, tat, a)
    return reply(op, true, room - a + 1e-9, 0)
  elseif op == 'r' then
    local granted = min(a, floor(room + 1e-9))
    if granted < b then
      local retry = (b - room) * interval
      if b * interval > tolerance + 1e-9 then retry = huge end
      return reply(op, false, room, retry)
    end
    charge(k, tat, granted)
    return reply(op, true, room - granted + 1e-9, 0, granted, lease, now)
  end
  if tat > now then writeTime(k, max(now, tat - a * interval)) end
  return reply(op, true, 0, 0)
end
`;

/** GCRA: `limit` per `periodMs` on average, with bursts of up to `burst` from idle. */
export function gcra(options: GcraOptions): RateLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('gcra(options) needs an options object');
  return createLimiter(gcraAlgorithm(options.limit, options.periodMs, options.burst), options, 'gcra');
}
