import type { Decision } from '../core/limiter.js';
import { type Algorithm, type Grant, type MemoryState, denied, positive, positiveInteger } from './algorithm.js';
import { SlotTable } from './slots.js';

/**
 * The exact sliding window: the times of the last `limit` admitted units, per key, in a ring.
 * A call of cost c fits at `now` when the c-th oldest of those times is at least `windowMs` ago,
 * so no rolling window of `windowMs` ever holds more than `limit` units. Memory: 8 x (limit + 1)
 * bytes per active key (a limit of 10 costs 88 B; of 6,000, 48 KB: use 'counter' mode for large
 * limits over many keys).
 *
 * Leases record their units at `now + leaseMs` (the end of the time they may be spent), which
 * keeps the guarantee for leased spending; a key must then be used only through leases.
 */
export function slidingLogAlgorithm(limit: number, windowMs: number): Algorithm {
  positiveInteger('slidingWindow', 'limit', limit);
  positive('slidingWindow', 'windowMs', windowMs);
  return {
    name: 'swl',
    maxCost: limit,
    ratePerMs: limit / windowMs,
    luaParams: [limit, windowMs],
    lua: SLIDING_LOG_LUA,
    luaConsume: SLIDING_LOG_LUA_CONSUME,
    createMemoryState: () => new SlidingLogState(limit, windowMs),
  };
}

/** Slot layout: [head, t0, t1, ... t(limit-1)]; the oldest time is at `1 + head`. */
class SlidingLogState implements MemoryState {
  private readonly slots: SlotTable;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.slots = new SlotTable(
      limit + 1,
      // Idle when the newest time has left the window.
      (data, base, now) => (data[base + 1 + (((data[base] as number) + limit - 1) % limit)] as number) <= now - windowMs,
      (data, base) => {
        data[base] = 0;
        data.fill(-Infinity, base + 1, base + 1 + limit);
      },
    );
  }

  get size(): number {
    return this.slots.size;
  }

  /** The time of the i-th oldest recorded unit (0-based) of the slot at `base`. */
  private at(base: number, i: number): number {
    const data = this.slots.data;
    return data[base + 1 + (((data[base] as number) + i) % this.limit)] as number;
  }

  /** Units recorded within the window ending at `now` (binary search over the sorted ring). */
  private inWindow(base: number, now: number): number {
    if (base < 0) return 0;
    const cutoff = now - this.windowMs;
    let lo = 0;
    let hi = this.limit;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(base, mid) <= cutoff) lo = mid + 1;
      else hi = mid;
    }
    return this.limit - lo;
  }

  private record(key: string, found: number, units: number, stamp: number, now: number): void {
    const base = found >= 0 ? found : this.slots.get(key, now);
    const data = this.slots.data;
    let head = data[base] as number;
    for (let i = 0; i < units; i++) {
      data[base + 1 + head] = stamp;
      head = head + 1 === this.limit ? 0 : head + 1;
    }
    data[base] = head;
  }

  consume(key: string, cost: number, now: number): Decision {
    const base = this.slots.find(key);
    if (cost > this.limit) return { allowed: false, remaining: this.limit - this.inWindow(base, now), retryAfterMs: Infinity };
    if (base >= 0) {
      const blocking = this.at(base, cost - 1);
      if (blocking > now - this.windowMs) {
        return { allowed: false, remaining: this.limit - this.inWindow(base, now), retryAfterMs: blocking + this.windowMs - now };
      }
    }
    const used = this.inWindow(base, now);
    this.record(key, base, cost, now, now);
    return { allowed: true, remaining: this.limit - used - cost, retryAfterMs: 0 };
  }

  reserve(key: string, want: number, min: number, leaseMs: number, now: number): Grant {
    const base = this.slots.find(key);
    const room = this.limit - this.inWindow(base, now);
    const granted = Math.min(want, room);
    if (granted < min) {
      const retry = min > this.limit ? Infinity : (this.at(base, min - 1) as number) + this.windowMs - now;
      return denied(room, retry);
    }
    const stamp = now + leaseMs;
    this.record(key, base, granted, stamp, now);
    return { granted, remaining: room - granted, retryAfterMs: 0, validForMs: leaseMs, stamp };
  }

  release(key: string, units: number, stamp: number): void {
    const base = this.slots.find(key);
    if (base < 0) return;
    // Remove up to `units` entries recorded at `stamp`, newest first; older entries shift up.
    const kept: number[] = [];
    let left = units;
    for (let i = this.limit - 1; i >= 0; i--) {
      const t = this.at(base, i);
      if (left > 0 && t === stamp) left--;
      else kept.push(t);
    }
    const data = this.slots.data;
    data[base] = 0;
    const pad = this.limit - kept.length;
    for (let i = 0; i < this.limit; i++) data[base + 1 + i] = i < pad ? -Infinity : (kept[this.limit - 1 - i] as number);
  }
}

/**
 * A lone consume of one unit (see stores/lua.ts; other costs take the batch path): RPUSH answers
 * with the list's length, so no LLEN; a push that does not fit is popped again.
 */
const SLIDING_LOG_LUA_CONSUME = `
if ARGV[3] == '1' then
  local limit, windowMs = ARGV[1] + 0, ARGV[2] + 0
  local k, cutoff = KEYS[1], now - windowMs
  while true do
    local oldest = redis.call('LINDEX', k, 0)
    if not oldest or oldest + 0 > cutoff then break end
    redis.call('LPOP', k)
  end
  local used = redis.call('RPUSH', k, now) - 1
  if used < limit then
    redis.call('PEXPIRE', k, ceil(windowMs) + 1000)
    return limit - used - 1
  end
  redis.call('RPOP', k)
  return {0, limit - used, ceil((redis.call('LINDEX', k, used - limit) + windowMs - now) * 1000)}
end
`;

const SLIDING_LOG_LUA = `
local limit, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local cutoff = now - windowMs
local function decide(k, op, a, b, lease)
  if op == 'x' then
    -- Numbers become text the same way for RPUSH and LREM, so the client's spelling of the stamp does not matter.
    redis.call('LREM', k, -a, b)
    return reply(op, true, 0, 0)
  end
  while true do
    local oldest = redis.call('LINDEX', k, 0)
    if not oldest or tonumber(oldest) > cutoff then break end
    redis.call('LPOP', k)
  end
  local used = redis.call('LLEN', k)
  local room = limit - used
  local least = a
  if op == 'r' then least = b end
  local granted = min(a, room)
  if granted < least then
    local retry = huge
    if least <= limit then retry = tonumber(redis.call('LINDEX', k, used + least - limit - 1)) + windowMs - now end
    return reply(op, false, room, retry)
  end
  local stamp = now
  local valid = huge
  if op == 'r' then stamp = now + lease; valid = lease end
  if granted == 1 then
    redis.call('RPUSH', k, stamp)
  else
    local batch = {}
    for i = 1, granted do
      batch[#batch + 1] = stamp
      if #batch == 1000 then redis.call('RPUSH', k, unpack(batch)); batch = {} end
    end
    if #batch > 0 then redis.call('RPUSH', k, unpack(batch)) end
  end
  redis.call('PEXPIRE', k, ceil(stamp - now + windowMs) + 1000)
  return reply(op, true, room - granted, 0, granted, valid, stamp)
end
`;
