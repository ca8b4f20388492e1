import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { createRegistry } from '../../src/policies/registry.js';
import { bindTimeline, liveEvents } from '../../src/server/live-events.js';
import { tradingGate } from '../../src/trading/gate.js';

describe('LiveEvents', () => {
  it('keeps a bounded timeline, newest first, with increasing ids', () => {
    const clock = new ManualClock(1_000);
    const events = liveEvents({ clock, capacity: 2 });
    const a = events.record('fault', 'sim', 'one');
    events.record('fault', 'sim', 'two');
    const c = events.record('fault', 'sim', 'three', 'critical');
    expect(c.id).toBe(a.id + 2);
    expect(events.timeline().map((e) => e.message)).toEqual(['three', 'two']);
    expect(events.timeline({ afterId: c.id - 1 }).map((e) => e.message)).toEqual(['three']);
    expect(events.timeline({ limit: 1 })).toEqual([{ id: c.id, at: 1_000, kind: 'fault', subject: 'sim', message: 'three', severity: 'critical' }]);
  });

  it('streams entries and published events to subscribers until they unsubscribe', () => {
    const events = liveEvents({ clock: new ManualClock(0) });
    const seen: string[] = [];
    const off = events.subscribe((e) => seen.push(e.type));
    expect(events.listeners).toBe(1);
    events.record('operator', 'x', 'y');
    events.publish('snapshot', {});
    off();
    off();
    events.publish('snapshot', {});
    expect(seen).toEqual(['timeline', 'snapshot']);
    expect(events.listeners).toBe(0);
  });

  it('rejects a bad capacity by name', () => {
    expect(() => liveEvents({ capacity: 0 })).toThrow('liveEvents: capacity must be an integer >= 1, got 0');
  });
});

describe('bindTimeline', () => {
  it('records breaker and gate changes with a severity, until unbound', async () => {
    const clock = new ManualClock(0);
    const registry = createRegistry({ defaults: { clock, window: { kind: 'consecutive', failures: 1 } } });
    const breaker = registry.breaker('exchange');
    const gate = tradingGate({ clock });
    const events = liveEvents({ clock });
    const unbind = bindTimeline(events, { breakers: registry, gate });
    await breaker.execute(() => Promise.reject(new Error('x'))).catch(() => undefined);
    gate.kill('test');
    expect(events.timeline().map((e) => [e.kind, e.subject, e.severity])).toEqual([
      ['gate', 'trading gate', 'critical'],
      ['breaker', 'exchange', 'critical'],
    ]);
    unbind();
    breaker.reset();
    expect(events.timeline()).toHaveLength(2);
  });
});
