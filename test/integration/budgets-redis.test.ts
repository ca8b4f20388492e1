/**
 * Exchange budgets on a real Redis: two stores stand for two processes sharing one budget.
 * Skips with one line when Redis is unreachable (fails instead with BULWARK_REQUIRE_SERVICES=1).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RateLimitedError } from '../../src/core/errors.js';
import { exchangeRateBudget } from '../../src/limits/budgets/exchange-rate-budget.js';
import { redisRateBudgetStore } from '../../src/limits/budgets/redis-store.js';
import type { RateBudgetTable } from '../../src/limits/budgets/table.js';
import { binanceSpotTable } from '../../src/limits/budgets/tables/binance-spot.js';
import { describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';

const available = await requireService('Redis', probeRedis);

/** A unique prefix per run, so runs never see each other's keys. */
const prefix = `bulwark-test:${randomUUID()}:`;
const clients: Redis[] = [];
const connect = (): Redis => {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  clients.push(client);
  return client;
};

/** Windows of a year: a run never straddles a window boundary, so counts cannot reset mid-test. */
const YEAR = 365 * 86_400_000;
const table: RateBudgetTable = {
  name: 'it',
  budgets: [
    { id: 'W', limit: 1000, windowMs: YEAR, header: 'x-used-w' },
    { id: 'O', limit: 50, windowMs: YEAR },
  ],
  endpoints: {
    order: { costs: { W: 1, O: 1 }, lane: 'orders' },
    poll: { costs: { W: 10 }, lane: 'data' },
  },
};

describeWith(available, 'exchange budgets on Redis', () => {
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = connect();
    b = connect();
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('two stores (two processes) share one budget', async () => {
    const group = `share-${randomUUID()}`;
    const one = exchangeRateBudget({ table, group, store: redisRateBudgetStore(a, { prefix }) });
    const two = exchangeRateBudget({ table, group, store: redisRateBudgetStore(b, { prefix }) });
    await one.charge('poll');
    await two.charge('poll');
    await one.charge('order');
    expect(await two.used('W')).toBe(21);
    expect(await one.used('O')).toBe(1);
    // a header seen by one raises the count both see
    await two.observeResponse('poll', 200, { 'X-USED-W': '850' });
    expect(await one.used('W')).toBe(850);
    // the data lane may use 90% of 1000: 900; five polls fit, the sixth does not, in either process
    for (let i = 0; i < 5; i++) await (i % 2 === 0 ? one : two).charge('poll');
    await expect(one.charge('poll', {}, { maxWaitMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(two.charge('poll', {}, { maxWaitMs: 0 })).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('a 418 observed by one process freezes the other, for the Retry-After the exchange gave', async () => {
    const group = `ban-${randomUUID()}`;
    const one = exchangeRateBudget({ table: binanceSpotTable, group, store: redisRateBudgetStore(a, { prefix }) });
    const two = exchangeRateBudget({ table: binanceSpotTable, group, store: redisRateBudgetStore(b, { prefix }) });
    await one.observeResponse('GET /api/v3/depth', 418, { 'Retry-After': '120' });
    const frozen = await two.frozen();
    expect(frozen?.status).toBe(418);
    expect(frozen?.remainingMs).toBeGreaterThan(110_000);
    expect(frozen?.remainingMs).toBeLessThanOrEqual(120_000);
    const error = await two.charge('DELETE /api/v3/order', { symbol: 'BTCUSDT' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).message).toMatch(/frozen after HTTP 418/);
    // nothing was charged while frozen
    expect(await two.used('REQUEST_WEIGHT')).toBe(0);
    // the freeze lives under the group's hash tag, so a Cluster keeps it in the group's slot
    expect(await a.exists(`${prefix}{${group}}:freeze`)).toBe(1);
  });

  it('concurrent charges from two connections never overspend any budget, and charge all budgets or none', async () => {
    const group = `race-${randomUUID()}`;
    const stores = [redisRateBudgetStore(a, { prefix }), redisRateBudgetStore(b, { prefix })];
    const budgets = stores.map((store) => exchangeRateBudget({ table, group, store }));
    // 200 orders race for O = 45 (90% of 50); polls race for W alongside
    const attempts = Array.from({ length: 200 }, (_, i) => (budgets[i % 2] ?? budgets[0])?.tryCharge(i % 4 === 3 ? 'poll' : 'order'));
    const decisions = await Promise.all(attempts);
    const ordersAdmitted = decisions.filter((d, i) => d?.allowed && i % 4 !== 3).length;
    const pollsAdmitted = decisions.filter((d, i) => d?.allowed && i % 4 === 3).length;
    expect(ordersAdmitted).toBe(45);
    const w = await budgets[0]?.used('W');
    const o = await budgets[0]?.used('O');
    expect(o).toBe(45);
    // every admitted order charged W too, every refused one charged nothing
    expect(w).toBe(ordersAdmitted + pollsAdmitted * 10);
    expect(w).toBeLessThanOrEqual(900);
  });

  it('keys of one group share a hash tag and expire with their window', async () => {
    const group = `keys-${randomUUID()}`;
    const budget = exchangeRateBudget({ table, group, store: redisRateBudgetStore(a, { prefix }) });
    await budget.charge('order');
    const keys = (await a.keys(`${prefix}{${group}}*`)).sort();
    expect(keys).toEqual([`${prefix}{${group}}:b:O`, `${prefix}{${group}}:b:W`]);
    const ttl = await a.pttl(`${prefix}{${group}}:b:W`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(YEAR + 1000);
  });
});
