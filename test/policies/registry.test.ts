import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { PolicyRegistry, createRegistry, registry } from '../../src/policies/registry.js';
import { failTimes } from './breaker/helpers.js';

describe('policy registry', () => {
  it('returns the same breaker for the same name, and a different one for another name', () => {
    const reg = createRegistry();
    const a = reg.breaker('binance');
    expect(reg.breaker('binance')).toBe(a);
    expect(reg.breaker('kraken')).not.toBe(a);
    expect(a).toBeInstanceOf(CircuitBreaker);
    expect(a.name).toBe('binance');
  });

  it('keeps the first options: later, different options return the existing breaker', async () => {
    const clock = new ManualClock();
    const reg = createRegistry();
    const first = reg.breaker('feed', { window: { kind: 'consecutive', failures: 1 }, clock });
    const again = reg.breaker('feed', { window: { kind: 'consecutive', failures: 100 }, clock });
    expect(again).toBe(first);
    await failTimes(again);
    expect(again.state).toBe('open');
  });

  it('lists and iterates its breakers in the order they were made', () => {
    const reg = createRegistry();
    const a = reg.breaker('a');
    const b = reg.breaker('b');
    expect(reg.names()).toEqual(['a', 'b']);
    expect(reg.breakers()).toEqual([a, b]);
    expect([...reg]).toEqual([
      ['a', a],
      ['b', b],
    ]);
    expect(reg.size).toBe(2);
    expect(reg.get('a')).toBe(a);
    expect(reg.get('zzz')).toBeUndefined();
    expect(reg.has('b')).toBe(true);
    expect(reg.delete('b')).toBe(true);
    expect(reg.has('b')).toBe(false);
    expect(reg.breaker('b')).not.toBe(b);
  });

  it('snapshots every breaker by name, and a new registry restores them from that (via JSON)', async () => {
    const clock = new ManualClock();
    const reg = createRegistry({ defaults: { window: { kind: 'consecutive', failures: 1 }, openMs: 5_000, clock } });
    await failTimes(reg.breaker('binance'));
    reg.breaker('kraken');
    const saved = JSON.parse(JSON.stringify(reg.snapshot())) as ReturnType<typeof reg.snapshot>;
    expect(Object.keys(saved)).toEqual(['binance', 'kraken']);
    expect(saved.binance).toMatchObject({ state: 'open' });

    const restored = createRegistry({ defaults: { window: { kind: 'consecutive', failures: 1 }, openMs: 5_000, clock }, initialStates: saved });
    expect(restored.breaker('binance').state).toBe('open');
    expect(restored.breaker('kraken').state).toBe('closed');
    expect(restored.breaker('bybit').state).toBe('closed');
  });

  it('reports every breaker\'s metrics by name', async () => {
    const clock = new ManualClock();
    const reg = createRegistry({ defaults: { window: { kind: 'consecutive', failures: 2 }, clock } });
    await failTimes(reg.breaker('binance'), 2);
    reg.breaker('kraken');
    const metrics = reg.metrics();
    expect(Object.keys(metrics)).toEqual(['binance', 'kraken']);
    expect(metrics.binance).toMatchObject({ state: 'open', failures: 2 });
    expect(metrics.kraken).toMatchObject({ state: 'closed', calls: 0 });
  });

  it('lets a breaker override the defaults field by field', async () => {
    const clock = new ManualClock();
    const reg = createRegistry({ defaults: { window: { kind: 'consecutive', failures: 1 }, openMs: 5_000, clock } });
    const patient = reg.breaker('patient', { window: { kind: 'consecutive', failures: 3 } });
    await failTimes(patient, 2);
    expect(patient.state).toBe('closed');
    await failTimes(patient, 1);
    expect(patient.metrics().retryAfterMs).toBe(5_000);
  });

  it('rejects a bad name and a corrupt saved state with clear errors', () => {
    const reg = createRegistry();
    expect(() => reg.breaker('')).toThrow(/name must be a non-empty string/);
    expect(() => createRegistry({ initialStates: { binance: { version: 9 } } as never })).toThrow(/initialStates\["binance"\].*version/);
  });

  it('exports one shared registry', () => {
    expect(registry).toBeInstanceOf(PolicyRegistry);
    expect(registry.breaker('registry-test-shared')).toBe(registry.breaker('registry-test-shared'));
    registry.delete('registry-test-shared');
  });
});
