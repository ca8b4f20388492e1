import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HealthRegistry } from '../../src/health/registry.js';
import type { CheckOutcome } from '../../src/health/types.js';

function statusOf(report: { checks: { name: string; status: string }[] }, name: string): string | undefined {
  return report.checks.find((c) => c.name === name)?.status;
}

describe('HealthRegistry', () => {
  it('maps true/false/outcome/throw to statuses and sanitises thrown messages', async () => {
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register({ name: 'yes', check: () => true });
    registry.register({ name: 'no', check: () => false, critical: false });
    registry.register({ name: 'meh', check: () => ({ status: 'degraded', message: 'slow' }), critical: false });
    registry.register({
      name: 'boom',
      critical: false,
      check: () => {
        throw new Error('connect failed postgres://bot:hunter22@db/prod');
      },
    });
    const report = await registry.check();
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['yes', 'up'],
      ['no', 'down'],
      ['meh', 'degraded'],
      ['boom', 'down'],
    ]);
    const boom = report.checks.find((c) => c.name === 'boom')!;
    expect(boom.message).toContain('connect failed');
    expect(boom.message).not.toContain('hunter22');
    // Non-critical checks down only degrade the service.
    expect(report.status).toBe('degraded');
  });

  it('cascades: a check whose dependency is down is affected, names the root cause, and is not run', async () => {
    const registry = new HealthRegistry({ clock: new ManualClock() });
    let apiRuns = 0;
    registry.register({ name: 'network', check: () => false });
    registry.register({ name: 'postgres', dependsOn: ['network'], check: () => true });
    registry.register({
      name: 'api',
      dependsOn: ['postgres'],
      check: () => {
        apiRuns++;
        return true;
      },
    });
    registry.register({ name: 'disk', check: () => true });
    const report = await registry.check();
    expect(statusOf(report, 'network')).toBe('down');
    const postgres = report.checks.find((c) => c.name === 'postgres')!;
    const api = report.checks.find((c) => c.name === 'api')!;
    expect(postgres.status).toBe('affected');
    expect(postgres.cause).toEqual(['network']);
    expect(api.status).toBe('affected');
    expect(api.cause).toEqual(['network']);
    expect(api.message).toBe('affected: depends on "network", which is down');
    expect(apiRuns).toBe(0);
    expect(statusOf(report, 'disk')).toBe('up');
    expect(report.status).toBe('down');
  });

  it('a degraded dependency does not cascade', async () => {
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register({ name: 'redis', check: () => ({ status: 'degraded' }) });
    registry.register({ name: 'cache', dependsOn: ['redis'], check: () => true });
    const report = await registry.check();
    expect(statusOf(report, 'cache')).toBe('up');
  });

  it('rejects dependency cycles and duplicate names at registration', () => {
    const registry = new HealthRegistry();
    registry.register({ name: 'a', dependsOn: ['b'], check: () => true });
    registry.register({ name: 'b', dependsOn: ['c'], check: () => true });
    expect(() => registry.register({ name: 'c', dependsOn: ['a'], check: () => true })).toThrow(/cycle: c -> a -> b -> c/);
    expect(() => registry.register({ name: 'a', check: () => true })).toThrow(/already registered/);
    expect(() => registry.register({ name: 'x', timeoutMs: -1, check: () => true })).toThrow(RangeError);
  });

  it('rejects bad options naming the registry, the option and the value', () => {
    expect(() => new HealthRegistry({ defaultIntervalMs: 0 })).toThrow('healthRegistry: defaultIntervalMs must be a finite number > 0, got 0');
    const registry = new HealthRegistry({ clock: new ManualClock() });
    expect(() => registry.register({ name: '', check: () => true })).toThrow('healthRegistry.register: name must be a non-empty string, got ""');
    expect(() => registry.register({ name: 'db', check: () => true, timeoutMs: -1 })).toThrow('healthRegistry.register "db": timeoutMs must be a finite number > 0, got -1');
    expect(() => registry.register({ name: 'db', check: () => true, weight: Number.NaN })).toThrow('healthRegistry.register "db": weight must be a finite number >= 0, got NaN');
  });

  it('times a hanging check out through the injected clock and aborts its signal', async () => {
    const clock = new ManualClock();
    const registry = new HealthRegistry({ clock });
    let signal: AbortSignal | undefined;
    registry.register({
      name: 'hang',
      timeoutMs: 1_000,
      check: (ctx) => {
        signal = ctx.signal;
        return new Promise<boolean>(() => undefined);
      },
    });
    const pending = registry.check();
    await clock.advance(999);
    let settled = false;
    void pending.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(1);
    const report = await pending;
    expect(report.checks[0]!.status).toBe('down');
    expect(report.checks[0]!.message).toBe('timed out after 1000 ms');
    expect(signal?.aborted).toBe(true);
  });

  it('caches results for intervalMs unless fresh is asked for', async () => {
    const clock = new ManualClock();
    const registry = new HealthRegistry({ clock });
    let runs = 0;
    registry.register({ name: 'c', intervalMs: 10_000, check: () => (runs++, true) });
    await registry.check();
    await registry.check();
    expect(runs).toBe(1);
    await clock.advance(10_000);
    await registry.check();
    expect(runs).toBe(2);
    await registry.check({ fresh: true });
    expect(runs).toBe(3);
  });

  it('runs checks in the background every intervalMs and notifies status changes', async () => {
    const clock = new ManualClock();
    const registry = new HealthRegistry({ clock });
    let healthy = true;
    registry.register({ name: 'feed', intervalMs: 5_000, check: () => healthy });
    const changes: string[] = [];
    const overall: string[] = [];
    registry.on('stateChange', (e) => (e.scope === 'check' ? changes.push(`${e.name}:${e.from}->${e.to}`) : overall.push(`${e.from}->${e.to}`)));
    registry.start();
    await clock.advance(0);
    expect(changes).toEqual(['feed:unknown->up']);
    healthy = false;
    await clock.advance(4_999);
    expect(changes).toHaveLength(1);
    await clock.advance(1);
    expect(changes).toEqual(['feed:unknown->up', 'feed:up->down']);
    expect(overall).toEqual(['unknown->up', 'up->down']);
    registry.stop();
    healthy = true;
    await clock.advance(20_000);
    expect(changes).toHaveLength(2);
  });

  it('filters by tags but still judges the cascade from untagged dependencies', async () => {
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register({ name: 'db', check: () => false });
    registry.register({ name: 'orders', tags: ['ready'], dependsOn: ['db'], check: () => true });
    registry.register({ name: 'other', check: () => true });
    const report = await registry.check({ tags: ['ready'] });
    expect(report.checks.map((c) => c.name)).toEqual(['orders']);
    expect(report.checks[0]!.status).toBe('affected');
    expect(report.status).toBe('down');
  });

  it('reports an invalid outcome as down with the reason', async () => {
    const registry = new HealthRegistry({ clock: new ManualClock() });
    registry.register({ name: 'odd', check: () => ({ status: 'great' }) as unknown as CheckOutcome });
    const report = await registry.check();
    expect(report.checks[0]).toMatchObject({ status: 'down', message: 'check returned an invalid status: great' });
  });
});
