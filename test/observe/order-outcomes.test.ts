import { describe, expect, it } from 'vitest';
import { Emitter } from '../../src/core/events.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type IntentEventLike, type IntentRecordLike, observeOrders, outcomeOf } from '../../src/observe/order-outcomes.js';

function source() {
  const events = new Emitter<{ intent: IntentEventLike }>();
  const records = new Map<string, IntentRecordLike>();
  return {
    events,
    records,
    id: 'binance',
    on: (name: 'intent', listener: (e: IntentEventLike) => void) => events.on(name, listener),
    journal: { get: async (id: string) => records.get(id) },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('outcomeOf', () => {
  it('maps intent transitions to order outcomes', () => {
    expect(outcomeOf('SENT', 'OPEN')).toBe('placed');
    expect(outcomeOf('SENT', 'FILLED')).toBe('placed');
    expect(outcomeOf('SENT', 'REJECTED')).toBe('rejected');
    expect(outcomeOf('PENDING', 'FAILED')).toBe('rejected');
    expect(outcomeOf('SENT', 'UNKNOWN')).toBe('unknown');
    expect(outcomeOf('UNKNOWN', 'FILLED')).toBe('reconciled');
    expect(outcomeOf('PENDING', 'SENT')).toBeUndefined();
    expect(outcomeOf('OPEN', 'FILLED')).toBeUndefined();
  });
});

describe('observeOrders', () => {
  it('counts outcomes in bulwark_orders_total and keeps the latest intents with their journal record', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const s = source();
    s.records.set('a', { intentId: 'a', clientOrderId: 'ca', symbol: 'BTC/USDT', side: 'buy', amount: 0.1, price: 100, state: 'OPEN', error: null });
    const orders = observeOrders(metrics, s);
    s.events.emit('intent', { intentId: 'a', clientOrderId: 'ca', from: undefined, to: 'PENDING', at: 1 });
    s.events.emit('intent', { intentId: 'a', clientOrderId: 'ca', from: 'PENDING', to: 'SENT', at: 2 });
    s.events.emit('intent', { intentId: 'a', clientOrderId: 'ca', from: 'SENT', to: 'UNKNOWN', at: 3, error: new Error('timeout') });
    s.events.emit('intent', { intentId: 'a', clientOrderId: 'ca', from: 'UNKNOWN', to: 'OPEN', at: 4 });
    s.events.emit('intent', { intentId: 'b', clientOrderId: 'cb', from: 'SENT', to: 'REJECTED', at: 5, error: 'insufficient funds' });
    await tick();
    const text = await metrics.text();
    expect(text).toContain('bulwark_orders_total{exchange="binance",outcome="unknown"} 1');
    expect(text).toContain('bulwark_orders_total{exchange="binance",outcome="reconciled"} 1');
    expect(text).toContain('bulwark_orders_total{exchange="binance",outcome="rejected"} 1');
    expect(orders.counts()).toEqual({ OPEN: 1, REJECTED: 1 });
    expect(orders.recent(10)).toEqual([
      expect.objectContaining({ intentId: 'b', state: 'REJECTED', error: 'insufficient funds' }),
      expect.objectContaining({ intentId: 'a', state: 'OPEN', symbol: 'BTC/USDT', side: 'buy', amount: 0.1, price: 100, error: 'timeout', at: 4 }),
    ]);
    orders.close();
  });

  it('keeps at most `keep` intents, dropping the oldest', () => {
    const s = source();
    const orders = observeOrders(createMetrics({ defaultMetrics: false }), s, { keep: 2 });
    for (const id of ['a', 'b', 'c']) s.events.emit('intent', { intentId: id, clientOrderId: id, from: undefined, to: 'PENDING', at: 0 });
    expect(orders.recent(10).map((o) => o.intentId)).toEqual(['c', 'b']);
    expect(() => observeOrders(createMetrics({ defaultMetrics: false }), s, { keep: 0 })).toThrow('observeOrders: keep must be an integer >= 1, got 0');
  });
});
