import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { AbortedError, RateLimitedError } from '../../../src/core/errors.js';
import { exchangeRateBudget } from '../../../src/limits/budgets/exchange-rate-budget.js';
import { memoryRateBudgetStore } from '../../../src/limits/budgets/memory-store.js';
import type { RateBudgetTable } from '../../../src/limits/budgets/table.js';
import { binanceSpotTable } from '../../../src/limits/budgets/tables/binance-spot.js';

/** Start on a window boundary so window ends fall on round numbers. */
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % 86_400_000);

/** Two budgets, short windows: W (weight) 10 per second and O (orders) 2 per 10 s (no reserve: 10% of 2 rounds down to 0). */
const small: RateBudgetTable = {
  name: 'small',
  budgets: [
    { id: 'W', limit: 10, windowMs: 1000, header: 'x-used-w' },
    { id: 'O', limit: 2.9, windowMs: 10_000 },
  ],
  endpoints: {
    poll: { costs: { W: 3 }, lane: 'data' },
    order: { costs: { W: 3, O: 1 }, lane: 'orders' },
    cancel: { costs: { W: 3 }, lane: 'urgent' },
    light: { costs: { W: 1 }, lane: 'data' },
  },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('exchangeRateBudget: charging', () => {
  it('charges every budget of a call in one step: a call that fits one budget but not another charges neither', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock });
    await budget.observeResponse('POST /api/v3/order', 200, { 'X-MBX-ORDER-COUNT-10S': '90' });
    const before = { weight: await budget.used('REQUEST_WEIGHT'), raw: await budget.used('RAW_REQUESTS'), day: await budget.used('ORDERS_1D') };
    const error = await rejection(budget.charge('POST /api/v3/order', { symbol: 'BTCUSDT' }, { maxWaitMs: 0 }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).message).toMatch(/ORDERS_10S/);
    expect({ weight: await budget.used('REQUEST_WEIGHT'), raw: await budget.used('RAW_REQUESTS'), day: await budget.used('ORDERS_1D') }).toEqual(before);
    // a market-data call needs no order budget and still goes through
    await budget.charge('GET /api/v3/klines', { symbol: 'BTCUSDT' });
    expect(await budget.used('REQUEST_WEIGHT')).toBe(2);
    expect(await budget.used('RAW_REQUESTS')).toBe(1);
  });

  it('charges an order against weight, raw requests and both order counts', async () => {
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock: new ManualClock(T0) });
    const receipt = await budget.charge('POST /api/v3/order', { symbol: 'BTCUSDT', side: 'BUY' });
    expect(receipt.costs).toEqual({ REQUEST_WEIGHT: 1, RAW_REQUESTS: 1, ORDERS_10S: 1, ORDERS_1D: 1 });
    expect(receipt.lane).toBe('orders');
    expect(await budget.used('ORDERS_1D')).toBe(1);
  });

  it('charges order-book depth by its limit parameter: 100 -> 5, 500 -> 25, 1000 -> 50, 5000 -> 250', async () => {
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock: new ManualClock(T0) });
    const weights: number[] = [];
    for (const limit of [100, 500, 1000, 5000]) {
      const receipt = await budget.charge('GET /api/v3/depth', { symbol: 'BTCUSDT', limit });
      weights.push(receipt.costs.REQUEST_WEIGHT ?? 0);
    }
    expect(weights).toEqual([5, 25, 50, 250]);
    expect(await budget.used('REQUEST_WEIGHT')).toBe(330);
    expect(budget.costOf('GET /api/v3/depth', { symbol: 'BTCUSDT' }).REQUEST_WEIGHT).toBe(5);
  });

  it('tryCharge decides at once and reports the blocking budget', async () => {
    const budget = exchangeRateBudget({ table: small, clock: new ManualClock(T0) });
    expect((await budget.tryCharge('order')).allowed).toBe(true);
    expect((await budget.tryCharge('order')).allowed).toBe(true);
    expect(await budget.tryCharge('order')).toMatchObject({ allowed: false, blockedBy: 'O', retryAfterMs: 10_000 });
  });
});

describe('exchangeRateBudget: feedback', () => {
  it('a used-weight header raises the local count to the exchange\'s, and never lowers it', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock });
    const corrected: number[] = [];
    budget.on('corrected', (e) => corrected.push(e.used));
    await budget.observeResponse('GET /api/v3/depth', 200, { 'x-mbx-used-weight-1m': '5390' });
    expect(await budget.used('REQUEST_WEIGHT')).toBe(5390);
    await budget.charge('GET /api/v3/depth', { limit: 100 }); // 5395
    await budget.charge('GET /api/v3/depth', { limit: 100 }); // 5400: the data lane's 90%
    await expect(budget.charge('GET /api/v3/depth', { limit: 100 }, { maxWaitMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
    await budget.observeResponse('GET /api/v3/depth', 200, { 'x-mbx-used-weight-1m': '12' });
    expect(await budget.used('REQUEST_WEIGHT')).toBe(5400);
    expect(corrected).toEqual([5390, 5400]);
    // next minute: a fresh window
    await clock.advance(60_000);
    expect(await budget.used('REQUEST_WEIGHT')).toBe(0);
  });

  it('a 429 freezes the whole budget until Retry-After, for every lane', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock });
    await budget.observeResponse('GET /api/v3/depth', 429, { 'Retry-After': '7' });
    expect(await budget.frozen()).toEqual({ remainingMs: 7000, status: 429 });
    const error = await rejection(budget.charge('DELETE /api/v3/order', { symbol: 'BTCUSDT' }, { maxWaitMs: 0 }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    expect((error as RateLimitedError).message).toMatch(/frozen after HTTP 429/);
    // a caller willing to wait is served when the freeze lifts, not before
    let served = false;
    const waiting = budget.charge('GET /api/v3/time', {}, { maxWaitMs: 10_000 }).then((r) => {
      served = true;
      return r;
    });
    await clock.advance(6_999);
    expect(served).toBe(false);
    await clock.advance(1);
    expect((await waiting).waitedMs).toBe(7000);
  });

  it('a 418 freezes until the ban ends: Retry-After when given, else bannedFreezeMs', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: binanceSpotTable, clock, bannedFreezeMs: 120_000 });
    await budget.observeResponse('GET /api/v3/depth', 418);
    expect(await budget.frozen()).toEqual({ remainingMs: 120_000, status: 418 });
    // the ban outlasts the default 10 s wait: rejected at once instead of waiting in vain
    const error = await rejection(budget.charge('GET /api/v3/time'));
    expect((error as RateLimitedError).retryAfterMs).toBe(120_000);
    expect(budget.waiting).toBe(0);
    await budget.observeResponse('GET /api/v3/depth', 418, { 'retry-after': '3600' });
    expect(await budget.frozen()).toEqual({ remainingMs: 3_600_000, status: 418 });
    await clock.advance(3_600_000);
    await expect(budget.charge('GET /api/v3/time')).resolves.toMatchObject({ waitedMs: 0 });
  });

  it('a freeze observed by one instance stops another that shares the store (two processes, one IP)', async () => {
    const clock = new ManualClock(T0);
    const store = memoryRateBudgetStore({ clock });
    const a = exchangeRateBudget({ table: binanceSpotTable, store, clock });
    const b = exchangeRateBudget({ table: binanceSpotTable, store, clock });
    await a.observeResponse('GET /api/v3/depth', 418, { 'retry-after': '60' });
    await expect(b.charge('GET /api/v3/time', {}, { maxWaitMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
    // a different group (another IP) is not frozen
    const other = exchangeRateBudget({ table: binanceSpotTable, store, clock, group: 'binance-spot:ip2' });
    await expect(other.charge('GET /api/v3/time', {}, { maxWaitMs: 0 })).resolves.toBeDefined();
  });
});

describe('exchangeRateBudget: lanes', () => {
  it('keeps the reserved share for the urgent lane', async () => {
    const budget = exchangeRateBudget({ table: small, clock: new ManualClock(T0), reservedShare: 0.2 });
    await budget.charge('light', {}, { maxWaitMs: 0 });
    for (let i = 0; i < 7; i++) await budget.charge('light', {}, { maxWaitMs: 0 }); // 8 = 80% of 10
    await expect(budget.charge('light', {}, { maxWaitMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(budget.charge('light', {}, { maxWaitMs: 0, lane: 'orders' })).rejects.toBeInstanceOf(RateLimitedError);
    await budget.charge('light', {}, { maxWaitMs: 0, lane: 'urgent' });
    await budget.charge('light', {}, { maxWaitMs: 0, lane: 'urgent' });
    expect(await budget.used('W')).toBe(10);
    await expect(budget.charge('light', {}, { maxWaitMs: 0, lane: 'urgent' })).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('serves waiters cancels first, then new orders, then market data, FIFO within a lane', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock, reservedShare: 0.2 });
    for (let i = 0; i < 3; i++) await budget.charge('cancel'); // W = 9 of 10: everything waits
    const served: string[] = [];
    const track = (name: string, p: Promise<unknown>) => p.then(() => served.push(`${name}@${clock.now() - T0}`));
    const all = [
      track('poll1', budget.charge('poll')),
      track('order', budget.charge('order')),
      track('poll2', budget.charge('poll')),
      track('cancel', budget.charge('cancel')),
    ];
    await clock.advance(0);
    expect(budget.waiting).toBe(4);
    expect(served).toEqual([]);
    await clock.advance(1000);
    // second window, ceiling 8 for non-urgent: cancel (3), order (6), poll1 would make 9: waits
    expect(served).toEqual(['cancel@1000', 'order@1000']);
    await clock.advance(1000);
    await Promise.all(all);
    expect(served).toEqual(['cancel@1000', 'order@1000', 'poll1@2000', 'poll2@2000']);
  });

  it('a waiter blocks lower lanes only on the budget it waits for', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock });
    await budget.charge('order');
    await budget.charge('order'); // O spent for 10 s; W = 6
    const order = budget.charge('order');
    await clock.advance(0);
    expect(budget.waiting).toBe(1);
    // the waiting order holds O, not W: a poll still goes through at once
    await expect(budget.charge('poll', {}, { maxWaitMs: 0 })).resolves.toMatchObject({ waitedMs: 0 });
    await clock.advance(10_000);
    await expect(order).resolves.toMatchObject({ waitedMs: 10_000 });
  });

  it('a newcomer queues behind a waiting call of its own or a higher lane instead of overtaking it', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock });
    for (let i = 0; i < 3; i++) await budget.charge('light'); // W = 3
    await budget.charge('order'); // W = 6
    await budget.charge('poll'); // W = 9
    const served: string[] = [];
    const poll = budget.charge('poll').then(() => served.push('poll'));
    await clock.advance(0);
    // 'light' (cost 1) would fit now, but a poll waits for W ahead of it in the same lane
    const error = await rejection(budget.charge('light', {}, { maxWaitMs: 0 }));
    expect((error as RateLimitedError).message).toMatch(/waiting/);
    expect((error as RateLimitedError).retryAfterMs).toBe(1000); // when the poll ahead is due to try again
    const light = budget.charge('light').then(() => served.push('light'));
    await clock.advance(1000);
    await Promise.all([poll, light]);
    expect(served).toEqual(['poll', 'light']);
  });
});

describe('exchangeRateBudget: regressions', () => {
  it('room that frees up exactly at the deadline is still taken (the retry runs before giving up)', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock, reservedShare: 0 });
    for (let i = 0; i < 3; i++) await budget.charge('poll'); // W = 9 until T0 + 1000
    const waiting = budget.charge('poll', {}, { maxWaitMs: 1000 });
    await clock.advance(1000);
    await expect(waiting).resolves.toMatchObject({ waitedMs: 1000 });
  });

  it('a waiter held behind another sets no timer of its own (no zero-delay timer loop)', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock, reservedShare: 0 });
    for (let i = 0; i < 3; i++) await budget.charge('poll');
    const first = budget.charge('poll');
    await clock.advance(0);
    const second = budget.charge('light');
    await clock.advance(10);
    // one retry timer for the budget, one for the shared deadline scheduler
    expect(clock.pendingTimers).toBeLessThanOrEqual(2);
    await clock.advance(990);
    await Promise.all([first, second]);
  });
});

describe('exchangeRateBudget: giving up', () => {
  it('a waiting charge leaves at once with AbortedError when its signal aborts, and frees the line', async () => {
    const clock = new ManualClock(T0);
    const budget = exchangeRateBudget({ table: small, clock, reservedShare: 0 });
    for (let i = 0; i < 3; i++) await budget.charge('poll'); // W = 9
    const controller = new AbortController();
    const aborted = budget.charge('poll', {}, { signal: controller.signal });
    await clock.advance(0); // the poll has tried and queued
    const behind = budget.charge('light');
    await clock.advance(0);
    expect(budget.waiting).toBe(2);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    // the light call was only held back by the aborted poll: it fits now
    await expect(behind).resolves.toMatchObject({ waitedMs: 0 });
    expect(budget.waiting).toBe(0);
  });

  it('an already aborted signal is refused before anything is charged', async () => {
    const budget = exchangeRateBudget({ table: small, clock: new ManualClock(T0) });
    await expect(budget.charge('poll', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(await budget.used('W')).toBe(0);
  });

  it('gives up with RateLimitedError after maxWaitMs, and at once when room comes later than that', async () => {
    const clock = new ManualClock(T0 + 200);
    const budget = exchangeRateBudget({ table: small, clock });
    await budget.charge('order');
    await budget.charge('order'); // O spent until T0 + 10 s
    const now = await rejection(budget.charge('order', {}, { maxWaitMs: 5000 }));
    expect(now).toBeInstanceOf(RateLimitedError);
    expect((now as RateLimitedError).retryAfterMs).toBe(9800);
    expect(budget.waiting).toBe(0);
    // W: 6 used; a poll (3) fits, then 'poll' waits for the next second but gives up at 300 ms
    await budget.charge('poll');
    const late = rejection(budget.charge('poll', {}, { maxWaitMs: 300 }));
    await clock.advance(300);
    expect(await late).toBeInstanceOf(RateLimitedError);
    expect(budget.waiting).toBe(0);
  });

  it('rejects bad options and impossible charges with the reason', async () => {
    expect(() => exchangeRateBudget({ table: small, reservedShare: 1 })).toThrow(/reservedShare/);
    expect(() => exchangeRateBudget({ table: small, maxWaitMs: -1 })).toThrow(/maxWaitMs/);
    const budget = exchangeRateBudget({ table: small, clock: new ManualClock(T0) });
    await expect(budget.charge('poll', {}, { lane: 'vip' as never })).rejects.toThrow("exchangeRateBudget: lane must be one of 'urgent', 'orders', 'data', got vip");
    await expect(budget.charge('nope')).rejects.toThrow(/no rule for endpoint "nope"/);
    const heavy = exchangeRateBudget({ table: { ...small, endpoints: { big: { costs: { W: 10 } } } }, clock: new ManualClock(T0) });
    await expect(heavy.charge('big')).rejects.toThrow(/more than lane 'data' may use in one window \(9 of 10\)/);
  });
});
