/**
 * The service's region lease from its configuration (`region:`): nothing without it; with it, a
 * regionLease over the shared PostgreSQL (storage/repos/region-leases.ts) that keeps the service's
 * gate reducing while this region does not hold the lease, its role as metrics
 * (`bulwark_region_role`, `bulwark_region_lease_epoch`) and its changes on the timeline. Closing it
 * releases a held lease (new exposure stopped first), so the other region takes over at once. A bot
 * of the region (`follow`) reads the lease its ops service holds and trades on its grant.
 */
import type { BulwarkConfig } from '../config/schema.js';
import { type RegionLease, regionLease } from '../failover/region-lease.js';
import type { RegionGate } from '../failover/region-lease-options.js';
import { type Metrics, regionRoles } from '../observe/metrics.js';
import { postgresRegionLeases } from '../storage/repos/region-leases.js';
import type { Queryable } from '../storage/types.js';
import type { LiveEvents } from './live-events.js';

export interface ConfiguredRegion {
  lease: RegionLease;
  close(): Promise<void>;
}

export interface ConfiguredRegionDeps {
  storage: Queryable;
  metrics: Metrics;
  events: LiveEvents;
  /** The service's gate (the account's, or the shared one of several accounts). */
  gate?: RegionGate;
  /** A bot of the region (`bulwark bot`): it follows the lease its region's ops service holds. */
  follow?: boolean;
}

/** Undefined without `region:`; else the lease, started. */
export function configuredRegion(config: BulwarkConfig, deps: ConfiguredRegionDeps): ConfiguredRegion | undefined {
  const region = config.region;
  if (!region) return undefined;
  const { lease: settings = {} } = region;
  const lease = regionLease({
    region: region.name,
    store: postgresRegionLeases(deps.storage),
    ...(deps.gate ? { gate: deps.gate } : {}),
    ...(settings.name !== undefined ? { lease: settings.name } : {}),
    ...(settings.ttlMs !== undefined ? { ttlMs: settings.ttlMs } : {}),
    ...(settings.renewMs !== undefined ? { renewMs: settings.renewMs } : {}),
    ...(settings.safetyMarginMs !== undefined ? { safetyMarginMs: settings.safetyMarginMs } : {}),
    ...(settings.requestTimeoutMs !== undefined ? { requestTimeoutMs: settings.requestTimeoutMs } : {}),
    ...(settings.holdOffMs !== undefined ? { holdOffMs: settings.holdOffMs } : {}),
    ...(settings.followGrantMs !== undefined ? { followGrantMs: settings.followGrantMs } : {}),
    ...(deps.follow ? { follow: true } : {}),
  });
  const label = deps.metrics.label('region', region.name);
  const publish = (): void => {
    const status = lease.status();
    for (const role of regionRoles) deps.metrics.regionRole.set({ region: label, role }, role === status.role ? 1 : 0);
    if (status.epoch !== null) deps.metrics.regionLeaseEpoch.set({ region: label }, status.epoch);
  };
  publish();
  const offs = [
    lease.on('stateChange', (c) => {
      publish();
      deps.events.record('fleet', `region ${c.region}`, `${c.from} → ${c.to} (${c.reason}): ${c.detail}`, c.to === 'active' ? 'info' : c.from === 'active' ? 'critical' : 'warning', c.actor ? { actor: c.actor } : {});
    }),
    // The epoch moves while the role stays (another region took over from a third): kept current at each scrape.
    deps.metrics.onScrape(publish),
  ];
  lease.start();
  return {
    lease,
    async close() {
      for (const off of offs) off();
      await lease.stop();
    },
  };
}
