/** regionLease's options and shapes: the type, the defaults (each with its reason) and validation. */
import { type Clock, systemClock } from '../core/clock.js';
import { checkBoolean, checkInteger, checkNonEmptyString, checkObject, checkShape } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import type { RegionLeaseStore } from '../storage/repos/region-leases.js';

/**
 * What the lease needs of a trading gate (a TradingGate fits): a condition it raises while the
 * region may not trade, and clears when it may. `acknowledgeable: false` keeps an operator's
 * acknowledgement from letting the region trade without the lease.
 */
export interface RegionGate {
  raise(name: string, mode: 'reducing' | 'halted', reason: string, options?: { acknowledgeable?: boolean }): void;
  clear(name: string, reason?: string): void;
}

export interface RegionLeaseOptions {
  /** This region's name: the lease's holder while it trades. */
  region: string;
  /** Where the lease lives (PostgreSQL for regions that share a database). */
  store: RegionLeaseStore;
  /** The lease's name: the regions contending for the same name elect one that trades. */
  lease?: string;
  /** How long a lease lasts without renewal, on the store's clock (ms): the longest a dead region blocks the other. */
  ttlMs?: number;
  /** How often the holder renews and a passive region asks (ms). */
  renewMs?: number;
  /**
   * The holder stops new exposure this long before its lease could end (ms): it covers the
   * difference in clock rates over a ttl, a late timer, and an order admitted just before the end
   * still on its way to the exchange.
   */
  safetyMarginMs?: number;
  /** A request to the store not answered within this long is abandoned (ms); the next tick asks again. */
  requestTimeoutMs?: number;
  /** After a planned release the region does not contend for this long (ms), so the other takes over. */
  holdOffMs?: number;
  /**
   * A follower: a trading process of the region that does not hold the lease itself (a bot beside
   * the region's ops service). It reads the lease and trades while its region holds it, for at most
   * the lease's grant past each read, and never once the lease is released.
   */
  follow?: boolean;
  /**
   * As holder: how long past each read the region's followers may trade (ms), written with the lease;
   * a release ends the lease this long after it at the latest. 0: no followers, a release frees it at once.
   */
  followGrantMs?: number;
  /** The gate that stops new exposure while the region does not hold the lease. */
  gate?: RegionGate;
  /** The gate condition's name. */
  condition?: string;
  /** Changes kept in `history()`. */
  historySize?: number;
  clock?: Clock;
}

export const REGION_LEASE_DEFAULTS = {
  // One lease for the whole deployment's trading; name more to split it (one per account).
  lease: 'trading',
  // A dead region blocks trading at most ~10 s; a PostgreSQL failover (a few seconds) does not cost the lease.
  ttlMs: 10_000,
  // Five renewals per lease: three may fail before the holder stops new exposure.
  renewMs: 2_000,
  // One second: clock rates differ by far less than 1e-3 (10 ms over 10 s); the rest covers late timers and orders in flight.
  safetyMarginMs: 1_000,
  // A renewal slower than this is as good as lost; the holder's deadline runs from the last one that succeeded.
  requestTimeoutMs: 2_000,
  // A full ttl: the other region, asking every renewMs, takes over long before this region asks again.
  holdOffMs: 10_000,
  // A holder contends; a follower is asked for explicitly.
  follow: false,
  // Two renewals: a follower reading every renewMs keeps trading between reads; a switchover waits at most this long.
  followGrantMs: 4_000,
  // The gate condition's name, as /api/gate lists it.
  condition: 'region',
  // Enough for an incident's story on the dashboard, bounded in memory.
  historySize: 50,
  // Wall-clock timers; inject a ManualClock in tests.
  clock: systemClock as Clock,
};

export type ResolvedRegionLeaseOptions = typeof REGION_LEASE_DEFAULTS & Omit<RegionLeaseOptions, keyof typeof REGION_LEASE_DEFAULTS>;

const C = 'regionLease';

export function resolveRegionLeaseOptions(options: RegionLeaseOptions): ResolvedRegionLeaseOptions {
  checkObject(C, 'options', options, 'with region and store');
  const o = withDefaults(REGION_LEASE_DEFAULTS, options) as ResolvedRegionLeaseOptions;
  checkNonEmptyString(C, 'region', o.region, true);
  checkNonEmptyString(C, 'lease', o.lease, true);
  checkShape(C, 'store', o.store, 'a region lease store', ['acquire', 'renew', 'release', 'read']);
  if (o.gate !== undefined) checkShape(C, 'gate', o.gate, 'a trading gate', ['raise', 'clear']);
  checkNonEmptyString(C, 'condition', o.condition, true);
  checkInteger(C, 'ttlMs', o.ttlMs, 1);
  checkInteger(C, 'renewMs', o.renewMs, 1);
  checkInteger(C, 'safetyMarginMs', o.safetyMarginMs, 0);
  checkInteger(C, 'requestTimeoutMs', o.requestTimeoutMs, 1);
  checkInteger(C, 'holdOffMs', o.holdOffMs, 0);
  checkInteger(C, 'historySize', o.historySize, 1);
  checkBoolean(C, 'follow', o.follow);
  checkInteger(C, 'followGrantMs', o.followGrantMs, 0);
  if (o.safetyMarginMs >= o.ttlMs) throw new RangeError(`${C}: safetyMarginMs must be less than ttlMs (${o.ttlMs}), got ${o.safetyMarginMs}`);
  // The holder must renew at least once within its right to trade, or it would stop between renewals.
  if (o.renewMs >= o.ttlMs - o.safetyMarginMs) throw new RangeError(`${C}: renewMs must be less than ttlMs - safetyMarginMs (${o.ttlMs - o.safetyMarginMs}), got ${o.renewMs}`);
  // A follower reads every renewMs: its grant must outlast one read to the next, or it would stop between them.
  if (o.followGrantMs !== 0 && o.followGrantMs <= o.renewMs + o.safetyMarginMs) {
    throw new RangeError(`${C}: followGrantMs must be 0 (no followers) or more than renewMs + safetyMarginMs (${o.renewMs + o.safetyMarginMs}), got ${o.followGrantMs}`);
  }
  return o;
}
