import type { Clock } from '../core/clock.js';
import type { Decision } from '../core/limiter.js';
import { LUA_TIME_STATE } from './stores/lua.js';
import { type Algorithm, type Grant, type MemoryState, denied, positive } from './algorithm.js';
import { type RateLimiter, type LimiterOptions, createLimiter } from './rate-limiter.js';
import { SlotTable } from './slots.js';
import type { LimiterStore } from './stores/store.js';

export interface TokenBucketOptions extends LimiterOptions {
  /** Tokens the bucket holds when full: the largest burst. Required. */
  capacity: number;
  /** Tokens added per second, up to `capacity`. Required. */
  refillPerSecond: number;
  /** Where the state lives. */
  store?: LimiterStore;
  clock?: Clock;
}

/**
 * The bucket is kept as one number per key: the time at which it will be full again (`fullAt`).
 * Tokens at `now` are `capacity - max(0, fullAt - now) * rate`; charging `cost` moves `fullAt`
 * forward by `cost / rate`. A key whose `fullAt` has passed holds a full bucket and is idle.
 */
export function tokenBucketAlgorithm(capacity: number, refillPerSecond: number): Algorithm {
  positive('tokenBucket', 'capacity', capacity);
  positive('tokenBucket', 'refillPerSecond', refillPerSecond);
  const rate = refillPerSecond / 1000; // tokens per ms
  return {
    name: 'tb',
    maxCost: capacity,
    ratePerMs: rate,
    luaParams: [capacity, rate],
    lua: TOKEN_BUCKET_LUA,
    luaConsume: TOKEN_BUCKET_LUA_CONSUME,
    createMemoryState: () => new TokenBucketState(capacity, rate),
  };
}

class TokenBucketState implements MemoryState {
  private readonly slots = new SlotTable(1, (data, base, now) => (data[base] as number) <= now);
  constructor(
    private readonly capacity: number,
    private readonly rate: number,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  private tokens(base: number, now: number): number {
    const fullAt = base < 0 ? 0 : (this.slots.data[base] as number);
    return fullAt <= now ? this.capacity : this.capacity - (fullAt - now) * this.rate;
  }

  consume(key: string, cost: number, now: number): Decision {
    const found = this.slots.find(key);
    const tokens = this.tokens(found, now);
    if (cost > this.capacity) return { allowed: false, remaining: Math.floor(tokens), retryAfterMs: Infinity };
    // A hair of tolerance so that refills computed in floating point are not denied by 1e-12 tokens.
    if (tokens + 1e-9 < cost) return { allowed: false, remaining: Math.floor(tokens), retryAfterMs: (cost - tokens) / this.rate };
    // One Map lookup on the hot path: allocate only for a key seen for the first time.
    const base = found >= 0 ? found : this.slots.get(key, now);
    const data = this.slots.data;
    data[base] = Math.max(data[base] as number, now) + cost / this.rate;
    return { allowed: true, remaining: Math.floor(tokens - cost + 1e-9), retryAfterMs: 0 };
  }

  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant {
    const tokens = this.tokens(this.slots.find(key), now);
    const granted = Math.min(want, Math.floor(tokens + 1e-9));
    if (granted < min) return denied(Math.floor(tokens), min > this.capacity ? Infinity : (min - tokens) / this.rate);
    const base = this.slots.get(key, now);
    const data = this.slots.data;
    data[base] = Math.max(data[base] as number, now) + granted / this.rate;
    return { granted, remaining: Math.floor(tokens - granted + 1e-9), retryAfterMs: 0, validForMs: leaseMs, stamp: now };
  }

  release(key: string, units: number, _stamp: number, now: number): void {
    const base = this.slots.find(key);
    if (base < 0) return;
    const data = this.slots.data;
    data[base] = Math.max(now, (data[base] as number) - units / this.rate);
  }
}

/** A lone consume (see stores/lua.ts): one GET, and one SET when it admits. */
const TOKEN_BUCKET_LUA_CONSUME = `
local capacity, rate, cost = ARGV[1] + 0, ARGV[2] + 0, ARGV[3] + 0
local k = KEYS[1]
local fullAt = (redis.call('GET', k) or 0) + 0
local tokens = capacity
if fullAt > now then tokens = capacity - (fullAt - now) * rate end
if cost > capacity then return {0, tokens - tokens % 1, -1} end
if tokens + 1e-9 < cost then return {0, tokens - tokens % 1, ceil((cost - tokens) / rate * 1000)} end
fullAt = max(fullAt, now) + cost / rate
redis.call('SET', k, fullAt, 'PX', ceil(fullAt - now) + 1000)
tokens = tokens - cost + 1e-9
return tokens - tokens % 1
`;

const TOKEN_BUCKET_LUA = `${LUA_TIME_STATE}
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local function charge(k, fullAt, units)
  writeTime(k, max(fullAt, now) + units / rate)
end
local function decide(k, op, a, b, lease)
  local fullAt = readTime(k)
  local tokens = capacity
  if fullAt > now then tokens = capacity - (fullAt - now) * rate end
  if op == 'c' then
    if a > capacity then return reply(op, false, tokens, huge) end
    if tokens + 1e-9 < a then return reply(op, false, tokens, (a - tokens) / rate) end
    charge(k, fullAt, a)
    return reply(op, true, tokens - a + 1e-9, 0)
  elseif op == 'r' then
    local granted = min(a, floor(tokens + 1e-9))
    if granted < b then
      local retry = (b - tokens) / rate
      if b > capacity then retry = huge end
      return reply(op, false, tokens, retry)
    end
    charge(k, fullAt, granted)
    return reply(op, true, tokens - granted + 1e-9, 0, granted, lease, now)
  end
  if fullAt > now then writeTime(k, max(now, fullAt - a / rate)) end
  return reply(op, true, 0, 0)
end
`;

/** A token bucket: bursts up to `capacity`, refilled continuously at `refillPerSecond`. */
export function tokenBucket(options: TokenBucketOptions): RateLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('tokenBucket(options) needs an options object');
  return createLimiter(tokenBucketAlgorithm(options.capacity, options.refillPerSecond), options, 'tokenBucket');
}
