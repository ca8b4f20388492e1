import { type Clock, systemClock } from '../../core/clock.js';
import type { RateBudgetStore, ChargeLine, ChargeOutcome, FreezeState } from './store.js';
import { withDefaults } from '../../core/options.js';

/** A budget store for one process. Every operation is synchronous underneath, hence atomic. */
export interface MemoryRateBudgetStoreOptions {
  /** Time source for windows and freezes. */
  clock?: Clock;
}

export const MEMORY_RATE_BUDGET_STORE_DEFAULTS = {
  clock: systemClock,
} satisfies Required<MemoryRateBudgetStoreOptions>;

interface Count {
  window: number;
  used: number;
}

interface Freeze {
  until: number;
  status: number;
}

export class MemoryRateBudgetStore implements RateBudgetStore {
  private readonly clock: Clock;
  /** group -> budget -> count; counts are updated in place, so a charge allocates nothing. */
  private readonly groups = new Map<string, Map<string, Count>>();
  private readonly freezes = new Map<string, Freeze>();

  constructor(options: MemoryRateBudgetStoreOptions = {}) {
    this.clock = withDefaults(MEMORY_RATE_BUDGET_STORE_DEFAULTS, options).clock;
  }

  private count(group: string, budget: string): Count {
    let counts = this.groups.get(group);
    if (!counts) {
      counts = new Map();
      this.groups.set(group, counts);
    }
    let count = counts.get(budget);
    if (!count) {
      count = { window: -1, used: 0 };
      counts.set(budget, count);
    }
    return count;
  }

  /** The count of the current window (a count from an earlier window reads as 0). */
  private current(count: Count, windowMs: number, now: number): number {
    return count.window === Math.floor(now / windowMs) ? count.used : 0;
  }

  private frozenAt(group: string, now: number): FreezeState | undefined {
    const freeze = this.freezes.get(group);
    if (!freeze) return undefined;
    if (freeze.until <= now) {
      this.freezes.delete(group);
      return undefined;
    }
    return { remainingMs: freeze.until - now, status: freeze.status };
  }

  async charge(group: string, lines: readonly ChargeLine[]): Promise<ChargeOutcome> {
    const now = this.clock.now();
    if (this.freezes.size > 0) {
      const freeze = this.frozenAt(group, now);
      if (freeze) return { ok: false, retryAfterMs: freeze.remainingMs, blockedBy: 'freeze', frozenBy: freeze.status, used: [] };
    }
    const counts = lines.map((line) => this.count(group, line.budget));
    const used = lines.map((line, i) => this.current(counts[i] as Count, line.windowMs, now));
    for (const [i, line] of lines.entries()) {
      if ((used[i] ?? 0) + line.cost > line.ceiling) {
        const windowEnd = (Math.floor(now / line.windowMs) + 1) * line.windowMs;
        return { ok: false, retryAfterMs: windowEnd - now, blockedBy: line.budget, used };
      }
    }
    for (const [i, line] of lines.entries()) {
      const count = counts[i] as Count;
      count.window = Math.floor(now / line.windowMs);
      count.used = (used[i] ?? 0) + line.cost;
      used[i] = count.used;
    }
    return { ok: true, retryAfterMs: 0, used };
  }

  async correct(group: string, budget: string, windowMs: number, used: number): Promise<number> {
    const now = this.clock.now();
    const count = this.count(group, budget);
    count.used = Math.max(this.current(count, windowMs, now), used);
    count.window = Math.floor(now / windowMs);
    return count.used;
  }

  async freeze(group: string, forMs: number, status: number): Promise<void> {
    const now = this.clock.now();
    const existing = this.frozenAt(group, now);
    const until = now + forMs;
    if (existing && now + existing.remainingMs >= until) return;
    this.freezes.set(group, { until, status });
  }

  async frozen(group: string): Promise<FreezeState | undefined> {
    return this.frozenAt(group, this.clock.now());
  }

  async used(group: string, budget: string, windowMs: number): Promise<number> {
    const count = this.groups.get(group)?.get(budget);
    return count ? this.current(count, windowMs, this.clock.now()) : 0;
  }
}

/** A budget store for one process. */
export function memoryRateBudgetStore(options: MemoryRateBudgetStoreOptions = {}): MemoryRateBudgetStore {
  return new MemoryRateBudgetStore(options);
}
