import { type Clock, systemClock } from '../../core/clock.js';
import type { BudgetStore, ChargeLine, ChargeOutcome, FreezeState } from './store.js';

/** A budget store for one process. Every operation is synchronous underneath, hence atomic. */
export interface MemoryBudgetStoreOptions {
  /** Time source for windows and freezes. */
  clock?: Clock;
}

export const memoryBudgetStoreDefaults = {
  clock: systemClock,
} satisfies Required<MemoryBudgetStoreOptions>;

interface Count {
  window: number;
  used: number;
}

interface Freeze {
  until: number;
  status: number;
}

export class MemoryBudgetStore implements BudgetStore {
  private readonly clock: Clock;
  private readonly counts = new Map<string, Count>();
  private readonly freezes = new Map<string, Freeze>();

  constructor(options: MemoryBudgetStoreOptions = {}) {
    this.clock = { ...memoryBudgetStoreDefaults, ...options }.clock;
  }

  private key(group: string, budget: string): string {
    return `${group}\u0000${budget}`;
  }

  private current(group: string, budget: string, windowMs: number, now: number): number {
    const count = this.counts.get(this.key(group, budget));
    return count && count.window === Math.floor(now / windowMs) ? count.used : 0;
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
    const freeze = this.frozenAt(group, now);
    if (freeze) return { ok: false, retryAfterMs: freeze.remainingMs, blockedBy: 'freeze', frozenBy: freeze.status, used: [] };
    const used = lines.map((line) => this.current(group, line.budget, line.windowMs, now));
    for (const [i, line] of lines.entries()) {
      if ((used[i] ?? 0) + line.cost > line.ceiling) {
        const windowEnd = (Math.floor(now / line.windowMs) + 1) * line.windowMs;
        return { ok: false, retryAfterMs: windowEnd - now, blockedBy: line.budget, used };
      }
    }
    for (const [i, line] of lines.entries()) {
      used[i] = (used[i] ?? 0) + line.cost;
      this.counts.set(this.key(group, line.budget), { window: Math.floor(now / line.windowMs), used: used[i] ?? 0 });
    }
    return { ok: true, retryAfterMs: 0, used };
  }

  async correct(group: string, budget: string, windowMs: number, used: number): Promise<number> {
    const now = this.clock.now();
    const next = Math.max(this.current(group, budget, windowMs, now), used);
    this.counts.set(this.key(group, budget), { window: Math.floor(now / windowMs), used: next });
    return next;
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
    return this.current(group, budget, windowMs, this.clock.now());
  }
}

/** A budget store for one process. */
export function memoryBudgetStore(options: MemoryBudgetStoreOptions = {}): MemoryBudgetStore {
  return new MemoryBudgetStore(options);
}
