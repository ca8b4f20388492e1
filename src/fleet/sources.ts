/**
 * What a fleet member reads and steers in its own process, typed by shape so fleet/ imports
 * nothing from the layers above (a `TradingGate`, a `PolicyRegistry`, a `HealthRegistry`, the
 * `trackLimiter` usage list and a `journalOrders` view fit as they are).
 */
import type { Unsubscribe } from '../core/events.js';

export type GateModeName = 'active' | 'reducing' | 'halted';

/** The trading gate's part a member uses: its status, the kill switch and conditions. */
export interface FleetGateLike {
  readonly mode: GateModeName;
  readonly status: {
    mode: GateModeName;
    reason: string;
    since: number;
    killed: boolean;
    conditions: ReadonlyArray<{ name: string; mode: 'reducing' | 'halted'; reason: string; acknowledged?: unknown }>;
  };
  kill(reason: string, by?: string): void;
  resume(reason?: string, by?: string): { released: boolean; mode: GateModeName; message: string };
  raise(name: string, mode: 'reducing' | 'halted', reason: string): void;
  clear(name: string, reason?: string): void;
  on(name: 'stateChange', listener: (change: { from: GateModeName; to: GateModeName; reason: string; at: number }) => void): Unsubscribe;
}

/** A circuit breaker as a member lists and steers it. */
export interface FleetBreakerLike {
  readonly name?: string | undefined;
  readonly state: string;
  isolate(): { release(): void };
  reset(): void;
}

/** The breakers of the process (a `PolicyRegistry` fits). */
export interface FleetBreakers {
  breakers(): FleetBreakerLike[];
}

/** One rate limit's usage (observe's `LimitUsage`). */
export interface FleetLimitUsage {
  name: string;
  admitted: number;
  limited: number;
  usage: number | null;
  queued: number;
}

/** The health of the process (a `HealthRegistry` fits: `check()` answers from cached results). */
export interface FleetHealthLike {
  check(): Promise<{ status: string }>;
}

/** Order counts by intent state (a `journalOrders` view fits). */
export interface FleetOrdersLike {
  counts(): Record<string, number> | Promise<Record<string, number>>;
}

/** Everything a member may report and steer; each part is optional. */
export interface FleetSources {
  gate?: FleetGateLike;
  breakers?: FleetBreakers;
  limits?: () => FleetLimitUsage[];
  health?: FleetHealthLike;
  orders?: FleetOrdersLike;
  /** The singleton duties this instance holds now (leader of, e.g. `orders:binance`); see leader-duty.ts. */
  duties?: () => string[];
}

/** A breaker's name as the fleet shows it (breakers made without one are 'unnamed'). */
export function fleetBreakerName(breaker: FleetBreakerLike): string {
  return breaker.name ?? 'unnamed';
}
