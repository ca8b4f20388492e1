/**
 * UnresolvedOrders, the gate's count of orders in doubt: one entry per intent, anonymous reports
 * each counted, a source's complete list replacing only what that source reported, and an order
 * counted from the moment it first became unknown.
 */
import { describe, expect, it } from 'vitest';
import { UnresolvedOrders } from '../../src/trading/unknown-orders.js';

describe('UnresolvedOrders', () => {
  it('counts an intent once however often it is reported; every anonymous report counts on its own', () => {
    const orders = new UnresolvedOrders(1_000);
    expect(orders.add('a', 0, 'x')).toBe(true);
    expect(orders.add('a', 0, 'x')).toBe(false);
    expect(orders.add(undefined, 0, 'x')).toBe(true);
    expect(orders.add(undefined, 0, 'x')).toBe(true);
    expect(orders.count(0)).toBe(3);
  });

  it('a re-report keeps when the order first became unknown', () => {
    const orders = new UnresolvedOrders(1_000);
    orders.add('a', 0, 'x');
    orders.add('a', 900, 'x');
    expect(orders.count(999)).toBe(1);
    expect(orders.count(1_000)).toBe(0);
  });

  it('resolve() removes an order and says whether it was counted', () => {
    const orders = new UnresolvedOrders(1_000);
    orders.add('a', 0, 'x');
    expect(orders.resolve('a')).toBe(true);
    expect(orders.resolve('a')).toBe(false);
    expect(orders.count(0)).toBe(0);
  });

  it("sync replaces only the source's own orders, and says whether the list brought a new one", () => {
    const orders = new UnresolvedOrders(1_000);
    orders.add('reported-elsewhere', 0, 'other');
    orders.add('b', 0, 'journal');
    expect(orders.sync('journal', [{ intentId: 'b', since: 0 }, { intentId: 'c', since: 0 }])).toBe(true);
    expect(orders.count(0)).toBe(3);
    expect(orders.sync('journal', [{ intentId: 'b', since: 0 }, { intentId: 'c', since: 0 }])).toBe(false);
    expect(orders.count(0)).toBe(3);
    expect(orders.sync('journal', [{ intentId: 'c', since: 0 }])).toBe(false);
    expect(orders.count(0)).toBe(2);
    expect(orders.sync('journal', [])).toBe(false);
    expect(orders.count(0)).toBe(1);
  });

  it('an order another source reported is not new when the list names it, and keeps its earliest time', () => {
    const orders = new UnresolvedOrders(1_000);
    orders.add('a', 0, 'reported');
    expect(orders.sync('journal', [{ intentId: 'a', since: 500 }])).toBe(false);
    expect(orders.count(999)).toBe(1);
    expect(orders.count(1_000)).toBe(0);
    orders.sync('journal', [{ intentId: 'a', since: 100 }]);
    expect(orders.count(1_000)).toBe(0);
  });
});
