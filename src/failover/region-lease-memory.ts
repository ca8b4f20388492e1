/**
 * A region lease store in memory, for one process (a demo, tests of the timing): the same rules as
 * the PostgreSQL row (storage/repos/region-leases.ts), with `clock` standing for the database's clock.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { LeaseRecord, LeaseReply, RegionLeaseStore } from '../storage/repos/region-leases.js';

export function memoryRegionLeaseStore(clock: Clock = systemClock): RegionLeaseStore {
  const leases = new Map<string, LeaseRecord>();
  const reply = (name: string, held: boolean): LeaseReply => {
    const lease = leases.get(name);
    return { held, lease: lease ? { ...lease } : null, nowMs: clock.now() };
  };
  return {
    async acquire(name, holder, ttlMs, grantMs) {
      const now = clock.now();
      const lease = leases.get(name);
      if (lease && lease.expiresAtMs > now) return reply(name, false);
      leases.set(name, { holder, epoch: (lease?.epoch ?? 0) + 1, expiresAtMs: now + ttlMs, released: false, grantMs });
      return reply(name, true);
    },
    async renew(name, holder, epoch, ttlMs) {
      const now = clock.now();
      const lease = leases.get(name);
      if (!lease || lease.holder !== holder || lease.epoch !== epoch || lease.expiresAtMs <= now || lease.released) return reply(name, false);
      lease.expiresAtMs = now + ttlMs;
      return reply(name, true);
    },
    async release(name, holder, epoch) {
      const now = clock.now();
      const lease = leases.get(name);
      if (lease && lease.holder === holder && lease.epoch === epoch && lease.expiresAtMs > now && !lease.released) {
        lease.released = true;
        lease.expiresAtMs = Math.min(lease.expiresAtMs, now + lease.grantMs);
      }
      return reply(name, false);
    },
    // A read does not know who asks: `held` is false, the lease says who holds it.
    async read(name) {
      return reply(name, false);
    },
  };
}
