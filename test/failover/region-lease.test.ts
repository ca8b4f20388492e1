/**
 * regionLease on a ManualClock over the memory store (the store's clock is the same ManualClock, or
 * one running at another rate): who trades when, and that two regions never trade at once.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { memoryRegionLeaseStore } from '../../src/failover/region-lease-memory.js';
import { type RegionChange, type RegionLease, regionLease } from '../../src/failover/region-lease.js';
import type { RegionLeaseStore } from '../../src/storage/repos/region-leases.js';
import { tradingGate } from '../../src/trading/gate.js';
import { REGION_LEASE_DEFAULTS } from '../../src/failover/region-lease-options.js';

const TTL = 10_000;
const RENEW = 2_000;
const MARGIN = 1_000;

/** A store seen through a network: each request waits `delayMs()` before and after, or fails while `cut`. */
function network(store: RegionLeaseStore, clock: ManualClock, delayMs: () => number = () => 0) {
  const link = { cut: false, calls: [] as string[] };
  const via =
    <A extends unknown[]>(op: string, fn: (...args: A) => Promise<Awaited<ReturnType<RegionLeaseStore['read']>>>) =>
    async (...args: A) => {
      link.calls.push(op);
      if (link.cut) throw new Error('connection reset');
      const before = delayMs();
      if (before > 0) await clock.sleep(before);
      const reply = await fn(...args);
      const after = delayMs();
      if (after > 0) await clock.sleep(after);
      if (link.cut) throw new Error('connection reset');
      return reply;
    };
  const wrapped: RegionLeaseStore = {
    acquire: via('acquire', store.acquire),
    renew: via('renew', store.renew),
    release: via('release', store.release),
    read: via('read', store.read),
  };
  return { store: wrapped, link };
}

/** Intervals in which a region's gate let new exposure through. */
function windows(lease: RegionLease, clock: ManualClock): { spans: Array<[number, number]>; close(): void } {
  const spans: Array<[number, number]> = [];
  let openedAt: number | undefined;
  lease.on('stateChange', (c) => {
    if (c.to === 'active' && openedAt === undefined) openedAt = c.at;
    if (c.to !== 'active' && openedAt !== undefined) {
      spans.push([openedAt, c.at]);
      openedAt = undefined;
    }
  });
  return {
    spans,
    close: () => {
      if (openedAt !== undefined) spans.push([openedAt, clock.now()]);
      openedAt = undefined;
    },
  };
}

function overlaps(a: Array<[number, number]>, b: Array<[number, number]>): boolean {
  return a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));
}

const make = (region: string, store: RegionLeaseStore, clock: ManualClock, extra: Partial<Parameters<typeof regionLease>[0]> = {}) =>
  regionLease({ region, store, clock, ttlMs: TTL, renewMs: RENEW, safetyMarginMs: MARGIN, requestTimeoutMs: RENEW, holdOffMs: TTL, ...extra });

describe('regionLease options', () => {
  const store = memoryRegionLeaseStore(new ManualClock());
  it('names the option and the reason', () => {
    expect(() => regionLease({ region: '', store })).toThrow('regionLease: region must be a non-empty string');
    expect(() => regionLease({ region: 'a', store: {} as RegionLeaseStore })).toThrow('regionLease: store must be a region lease store');
    expect(() => regionLease({ region: 'a', store, ttlMs: 0 })).toThrow('regionLease: ttlMs must be an integer >= 1, got 0');
    expect(() => regionLease({ region: 'a', store, ttlMs: 1_000, safetyMarginMs: 1_000 })).toThrow('regionLease: safetyMarginMs must be less than ttlMs (1000), got 1000');
    expect(() => regionLease({ region: 'a', store, ttlMs: 10_000, safetyMarginMs: 1_000, renewMs: 9_000 })).toThrow('regionLease: renewMs must be less than ttlMs - safetyMarginMs (9000), got 9000');
    expect(() => regionLease({ region: 'a', store, followGrantMs: 3_000 })).toThrow('regionLease: followGrantMs must be 0 (no followers) or more than renewMs + safetyMarginMs (3000), got 3000');
    expect(() => regionLease({ region: 'a', store, follow: 'yes' as unknown as boolean })).toThrow('regionLease: follow must be a boolean, got string');
  });
});

describe('regionLease', () => {
  it('keeps the gate reducing until the lease is confirmed, then clears it; the other region stays reducing', async () => {
    const clock = new ManualClock(1_000);
    const db = memoryRegionLeaseStore(clock);
    const gateA = tradingGate({ clock });
    const gateB = tradingGate({ clock });
    const a = make('a', db, clock, { gate: gateA });
    const b = make('b', db, clock, { gate: gateB });
    expect(gateA.mode).toBe('reducing');
    expect(gateA.conditions()[0]).toMatchObject({ name: 'region', mode: 'reducing' });
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(0);
    expect(a.status()).toMatchObject({ role: 'active', reason: 'acquired', holder: 'a', epoch: 1, expiresAt: 1_000 + TTL, tradeUntil: 1_000 + TTL - MARGIN });
    expect(gateA.mode).toBe('active');
    expect(b.status()).toMatchObject({ role: 'passive', reason: 'held-elsewhere', holder: 'a', epoch: 1 });
    expect(gateB.mode).toBe('reducing');
    // Renewals keep it: ten lease periods later A still trades and B does not.
    await clock.advance(10 * TTL);
    expect([a.active, b.active]).toEqual([true, false]);
    expect(a.epoch).toBe(1);
  });

  it('an operator cannot acknowledge the region condition past the lease', async () => {
    const clock = new ManualClock();
    const gate = tradingGate({ clock });
    make('a', memoryRegionLeaseStore(clock), clock, { gate });
    expect(() => gate.acknowledge('region', 'trade anyway')).toThrow('condition "region" cannot be acknowledged');
    gate.restore({ kill: null, acknowledged: [{ condition: 'region', reason: 'old', by: 'x', at: 0 }] });
    expect(gate.mode).toBe('reducing');
  });

  it('a holder cut off from the store stops at (last renewal sent + ttl - margin); the other acquires only after the expiry', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const netA = network(db, clock);
    const gateA = tradingGate({ clock });
    const a = make('a', netA.store, clock, { gate: gateA });
    const b = make('b', db, clock);
    const changes: RegionChange[] = [];
    a.on('stateChange', (c) => changes.push(c));
    b.on('stateChange', (c) => changes.push(c));
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(5_000); // A renewed at 2000 and 4000
    netA.link.cut = true;
    await clock.advance(30_000);
    const aStop = changes.find((c) => c.region === 'a' && c.to !== 'active' && c.from === 'active')!;
    const bStart = changes.find((c) => c.region === 'b' && c.to === 'active')!;
    expect(aStop).toMatchObject({ to: 'unknown', reason: 'renewal-overdue', at: 4_000 + TTL - MARGIN });
    expect(bStart.at).toBeGreaterThanOrEqual(4_000 + TTL); // the expiry the store set at A's last renewal
    expect(bStart.epoch).toBe(2);
    expect(gateA.mode).toBe('reducing');
    // A's link comes back: it finds the lease lost and stays passive.
    netA.link.cut = false;
    await clock.advance(RENEW);
    expect(a.status()).toMatchObject({ role: 'passive', holder: 'b', epoch: 2 });
  });

  it('counts its right from when it sent the renewal, however late the answer', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    let delay = 0;
    const a = make('a', network(db, clock, () => delay).store, clock, { requestTimeoutMs: 5_000 });
    a.start();
    await clock.advance(0);
    delay = 1_500; // each way: a renewal sent at 2000 is run at 3500 and answered at 5000
    await clock.advance(2_000);
    expect(a.status().tradeUntil).toBe(TTL - MARGIN); // still from the acquisition sent at 0
    await clock.advance(3_000);
    expect(a.status().tradeUntil).toBe(2_000 + TTL - MARGIN);
    expect(a.status().expiresAt).toBe(3_500 + TTL);
  });

  it('an answer arriving after ttl - margin is not traded on (reply-too-late)', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const a = make('a', network(db, clock, () => 5_000).store, clock, { requestTimeoutMs: 20_000 });
    a.start();
    await clock.advance(10_000);
    expect(a.status()).toMatchObject({ role: 'unknown', reason: 'reply-too-late' });
  });

  it('abandons a request not answered within requestTimeoutMs and says the store is unreachable', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const errors: unknown[] = [];
    const a = make('a', network(db, clock, () => 3_000).store, clock);
    a.on('error', (e) => errors.push(e.error));
    a.start();
    await clock.advance(RENEW);
    expect(a.status()).toMatchObject({ role: 'unknown', reason: 'store-unreachable' });
    expect(String(errors[0])).toContain('did not answer within 2000 ms');
  });

  it('planned release: stops new exposure first, then frees the lease; the other takes over at its next attempt', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const gateA = tradingGate({ clock });
    const order: string[] = [];
    const netA = network(db, clock);
    const watched: RegionLeaseStore = {
      ...netA.store,
      release: async (...args) => {
        order.push(`release sent, gate ${gateA.mode}`);
        return netA.store.release(...args);
      },
    };
    const a = make('a', watched, clock, { gate: gateA, followGrantMs: 0 });
    const b = make('b', db, clock);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(500);
    const result = await a.release({ reason: 'switchover', actor: 'alice' });
    expect(result).toMatchObject({ released: true, freed: true, epoch: 1 });
    expect(order).toEqual(['release sent, gate reducing']);
    expect(a.status().history.at(-1)).toMatchObject({ to: 'passive', reason: 'released', actor: 'alice' });
    await clock.advance(RENEW);
    expect(b.status()).toMatchObject({ role: 'active', epoch: 2 });
    // A holds off: it does not take the lease back after B's next renewals either.
    await clock.advance(3 * RENEW);
    expect(a.active).toBe(false);
    expect(await a.release({ reason: 'again' })).toMatchObject({ released: false });
  });

  it('a follower trades while its region holds the lease, within the grant, and stops on a release before the other region starts', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const gateF = tradingGate({ clock });
    const a = make('a', db, clock, { followGrantMs: 4_000 });
    const follower = make('a', db, clock, { follow: true, gate: gateF });
    const b = make('b', db, clock);
    const wf = windows(follower, clock);
    const wb = windows(b, clock);
    a.start();
    await clock.advance(0);
    follower.start();
    b.start();
    await clock.advance(0);
    expect(follower.status()).toMatchObject({ role: 'active', reason: 'following', epoch: 1, tradeUntil: 4_000 - MARGIN });
    expect(gateF.mode).toBe('active');
    expect(await follower.release({ reason: 'no' })).toMatchObject({ released: false });
    await clock.advance(5_000);
    expect(follower.active).toBe(true);
    // A releases at 5500: the lease ends at 5500 + 4000 at the latest; the follower stops at its next read (6000).
    await clock.advance(500);
    await a.release({ reason: 'switchover' });
    expect((await db.read('trading')).lease).toMatchObject({ released: true, expiresAtMs: 5_500 + 4_000 });
    await clock.advance(500);
    expect(follower.status()).toMatchObject({ role: 'passive', reason: 'released' });
    expect(gateF.mode).toBe('reducing');
    await clock.advance(6_000);
    expect(b.status()).toMatchObject({ role: 'active', epoch: 2 });
    wf.close();
    wb.close();
    expect(wf.spans.at(-1)![1]).toBe(6_000);
    expect(wb.spans[0]![0]).toBeGreaterThanOrEqual(9_500);
    // The follower of region a does not follow region b's lease.
    expect(follower.active).toBe(false);
  });

  it('a follower cut off from the store stops at (last read sent + grant - margin)', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const a = make('a', db, clock, { followGrantMs: 4_000 });
    const net = network(db, clock);
    const follower = make('a', net.store, clock, { follow: true });
    a.start();
    await clock.advance(0);
    follower.start();
    await clock.advance(2_500); // read at 0 and 2000
    net.link.cut = true;
    await clock.advance(10_000);
    expect(follower.history().find((c) => c.from === 'active')).toMatchObject({ to: 'unknown', reason: 'renewal-overdue', at: 2_000 + 4_000 - MARGIN });
  });

  it('stop() releases a held lease', async () => {
    const clock = new ManualClock();
    const db = memoryRegionLeaseStore(clock);
    const a = make('a', db, clock);
    a.start();
    await clock.advance(0);
    await a.stop();
    expect((await db.read('trading')).lease).toMatchObject({ released: true });
    expect((await db.read('trading')).lease!.expiresAtMs).toBe(clock.now() + REGION_LEASE_DEFAULTS.followGrantMs); // the followers' grant, at most
    expect(a.active).toBe(false);
  });

  it('never lets two regions trade at once under random delays, cuts and clock rates within the margin (seeded)', async () => {
    for (let seed = 1; seed <= 30; seed += 1) {
      const random = seededRandom(seed);
      const clock = new ManualClock();
      // The store's clock runs up to 5e-3 faster or slower than the regions' (5 times the assumed bound of 1e-3, still inside the margin over a ttl).
      const rate = 1 + (random() - 0.5) * 1e-2;
      const dbClock = { now: () => Math.floor(clock.now() * rate), sleep: (ms: number) => clock.sleep(ms) };
      const db = memoryRegionLeaseStore(dbClock);
      const delay = (): number => (random() < 0.3 ? Math.floor(random() * 2_400) : Math.floor(random() * 50));
      const netA = network(db, clock, delay);
      const netB = network(db, clock, delay);
      const a = make('a', netA.store, clock, { requestTimeoutMs: 5_000, renewMs: 500 });
      const b = make('b', netB.store, clock, { requestTimeoutMs: 5_000, renewMs: 500 });
      // Each region has a follower (a bot beside its ops service) reading the lease over its own network.
      const netFa = network(db, clock, delay);
      const netFb = network(db, clock, delay);
      const fa = make('a', netFa.store, clock, { requestTimeoutMs: 5_000, renewMs: 500, follow: true });
      const fb = make('b', netFb.store, clock, { requestTimeoutMs: 5_000, renewMs: 500, follow: true });
      const wa = windows(a, clock);
      const wb = windows(b, clock);
      const wfa = windows(fa, clock);
      const wfb = windows(fb, clock);
      a.start();
      b.start();
      fa.start();
      fb.start();
      for (let step = 0; step < 150; step += 1) {
        const roll = random();
        if (roll < 0.07) netA.link.cut = !netA.link.cut;
        else if (roll < 0.14) netB.link.cut = !netB.link.cut;
        else if (roll < 0.17) netFa.link.cut = !netFa.link.cut;
        else if (roll < 0.2) netFb.link.cut = !netFb.link.cut;
        else if (roll < 0.3) void (random() < 0.5 ? a : b).release({ reason: 'switchover' }); // answered as the clock moves
        await clock.advance(Math.floor(random() * 3_000));
      }
      for (const w of [wa, wb, wfa, wfb]) w.close();
      expect(wa.spans.length + wb.spans.length, `seed ${seed}: someone traded`).toBeGreaterThan(0);
      expect(wfa.spans.length + wfb.spans.length, `seed ${seed}: a follower traded`).toBeGreaterThan(0);
      const regionA = [...wa.spans, ...wfa.spans];
      const regionB = [...wb.spans, ...wfb.spans];
      expect(overlaps(regionA, regionB), `seed ${seed}: ${JSON.stringify({ a: regionA, b: regionB })}`).toBe(false);
      const stopped = Promise.all([a.stop(), b.stop(), fa.stop(), fb.stop()]);
      await clock.advance(10_000);
      await stopped;
    }
  });
});
