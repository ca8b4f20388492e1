import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { backupAgeCheck } from '../../src/health/checks/backup.js';
import { breakerCheck } from '../../src/health/checks/breaker.js';
import { circuitBreaker } from '../../src/policies/breaker/index.js';
import { cpuCheck } from '../../src/health/checks/cpu.js';
import { diskCheck } from '../../src/health/checks/disk.js';
import { eventLoopCheck } from '../../src/health/checks/event-loop.js';
import { staleFeedsCheck } from '../../src/health/checks/feeds.js';
import { memoryCheck } from '../../src/health/checks/memory.js';
import { storageCheck } from '../../src/health/checks/storage.js';
import { HealthRegistry } from '../../src/health/registry.js';
import type { HealthCheckDefinition } from '../../src/health/types.js';

async function statusOf(def: HealthCheckDefinition): Promise<string> {
  const registry = new HealthRegistry({ clock: new ManualClock() });
  registry.register(def);
  return (await registry.check()).checks[0]!.status;
}

describe('built-in checks', () => {
  it('breaker: closed up, half-open degraded, open degraded or down by criticality', async () => {
    expect(await statusOf(breakerCheck({ name: 'x', state: 'closed' }))).toBe('up');
    expect(await statusOf(breakerCheck({ name: 'x', state: 'half-open' }))).toBe('degraded');
    expect(await statusOf(breakerCheck({ name: 'x', state: 'open' }))).toBe('degraded');
    expect(await statusOf(breakerCheck({ name: 'x', state: 'open' }, { critical: true }))).toBe('down');
    expect(await statusOf(breakerCheck({ name: 'x', state: 'isolated' }, { critical: true }))).toBe('down');
    // Forced to let every call through: nothing is refused, the dependency is reachable.
    expect(await statusOf(breakerCheck({ name: 'x', state: 'disabled' }, { critical: true }))).toBe('up');
    expect(await statusOf(breakerCheck({ name: 'x', state: 'metrics-only' }, { critical: true }))).toBe('up');
    expect(breakerCheck({ name: 'binance', state: 'closed' })).toMatchObject({ name: 'breaker:binance', group: 'resilience', component: 'breaker-binance', measurement: 'state' });
  });

  it('breaker check takes a real breaker, and a name for an unnamed one (regression: the name was required by type)', async () => {
    expect(breakerCheck(circuitBreaker({ name: 'okx' })).name).toBe('breaker:okx');
    expect(breakerCheck(circuitBreaker(), { name: 'bybit' }).name).toBe('breaker:bybit');
    expect(() => breakerCheck(circuitBreaker())).toThrow(/no name/);
  });

  it('event loop lag against its thresholds', async () => {
    expect(await statusOf(eventLoopCheck({ measure: () => 5 }))).toBe('up');
    expect(await statusOf(eventLoopCheck({ measure: () => 150 }))).toBe('degraded');
    expect(await statusOf(eventLoopCheck({ measure: () => 1_500 }))).toBe('down');
    expect(() => eventLoopCheck({ degradedMs: 500, downMs: 100 })).toThrow(/must not exceed/);
  });

  it('memory: heap ratio and RSS limits', async () => {
    const sample = (heapUsed: number, rss = 0) => () => ({ heapUsed, heapLimit: 100, rss });
    expect(await statusOf(memoryCheck({ measure: sample(50) }))).toBe('up');
    expect(await statusOf(memoryCheck({ measure: sample(90) }))).toBe('degraded');
    expect(await statusOf(memoryCheck({ measure: sample(96) }))).toBe('down');
    expect(await statusOf(memoryCheck({ measure: sample(10, 2_000), rssDegradedBytes: 1_000, rssDownBytes: 3_000 }))).toBe('degraded');
    expect(await statusOf(memoryCheck({ measure: sample(10, 4_000), rssDegradedBytes: 1_000, rssDownBytes: 3_000 }))).toBe('down');
  });

  it('cpu load per core', async () => {
    expect(await statusOf(cpuCheck({ measure: () => 0.2 }))).toBe('up');
    expect(await statusOf(cpuCheck({ measure: () => 0.9 }))).toBe('degraded');
    expect(await statusOf(cpuCheck({ measure: () => 2 }))).toBe('down');
  });

  it('disk: free ratio of the data directory, and the real statfs works', async () => {
    const disk = (free: number) => diskCheck({ path: '.', measure: async () => ({ freeBytes: free, totalBytes: 100 }) });
    expect(await statusOf(disk(50))).toBe('up');
    expect(await statusOf(disk(5))).toBe('degraded');
    expect(await statusOf(disk(1))).toBe('down');
    expect(['up', 'degraded', 'down']).toContain(await statusOf(diskCheck({ path: '.' })));
    expect(() => diskCheck({ path: '' })).toThrow(/path/);
  });

  it('storage: ping resolves = up, rejects = down with the reason', async () => {
    expect(await statusOf(storageCheck({ name: 'redis', target: { ping: async () => 'PONG' } }))).toBe('up');
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register(storageCheck({ name: 'pg', target: { ping: async () => Promise.reject(new Error('ECONNREFUSED')) } }));
    expect((await registry.check()).checks[0]).toMatchObject({ status: 'down', message: 'ECONNREFUSED' });
  });

  it('backup age: none = down, old = degraded, very old = down', async () => {
    const clock = new ManualClock(100 * 3_600_000);
    const at = (hoursAgo: number | undefined) => backupAgeCheck({ clock, lastBackupAt: () => (hoursAgo === undefined ? undefined : clock.now() - hoursAgo * 3_600_000) });
    expect(await statusOf(at(undefined))).toBe('down');
    expect(await statusOf(at(1))).toBe('up');
    expect(await statusOf(at(30))).toBe('degraded');
    expect(await statusOf(at(80))).toBe('down');
  });

  it('stale feeds: none up, any stale degraded (or the configured status)', async () => {
    expect(await statusOf(staleFeedsCheck({ staleFeeds: () => [] }))).toBe('up');
    expect(await statusOf(staleFeedsCheck({ staleFeeds: () => ['BTC/USDT'] }))).toBe('degraded');
    expect(await statusOf(staleFeedsCheck({ staleFeeds: () => ['BTC/USDT'], staleStatus: 'down' }))).toBe('down');
  });
});
