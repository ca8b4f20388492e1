import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { journalOrders } from '../../../src/observe/journal-orders.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { buildApp } from '../../../src/server/app.js';
import { orderIntents } from '../../../src/storage/repos/order-intents.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { storageJournal } from '../../../src/trading/orders/storage-journal.js';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('GET /api/orders', () => {
  it('returns counts and the latest intents up to the limit', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/orders?limit=1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ counts: { OPEN: 1, FILLED: 2 }, recent: [{ intentId: 'i-2' }] });
    expect(res.json().recent).toHaveLength(1);
  });

  it('rejects a limit that is not a number', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/api/orders?limit=lots' });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/^querystring\.limit:/);
  });
});

describe('GET /api/orders reads the journal', () => {
  it('shows every journalled intent after a restart (a new process on the same database)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bulwark-orders-'));
    const clock = new ManualClock(1_000);
    try {
      const before = await sqliteStorage({ dataDir: dir, clock });
      const journal = storageJournal(orderIntents(before, { clock }));
      const put = (intentId: string) => journal.putIfAbsent({ intentId, clientOrderId: `c-${intentId}`, exchange: 'binance', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.01, price: 49_000 });
      await put('a');
      await clock.advance(10);
      await put('b');
      await clock.advance(10);
      await put('c');
      await journal.updateState('a', 'SENT');
      await journal.updateState('a', 'FILLED', { exchangeOrderId: '1' });
      await journal.updateState('b', 'SENT');
      await before.close();

      const after = await sqliteStorage({ dataDir: dir, clock });
      const app = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), clock, orders: journalOrders(storageJournal(orderIntents(after, { clock }))) }, { webRoot: join(dir, 'none') });
      try {
        const res = await app.inject({ method: 'GET', url: '/api/orders?limit=2' });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          counts: { FILLED: 1, SENT: 1, PENDING: 1 },
          recent: [
            { intentId: 'c', clientOrderId: 'c-c', symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 49_000, state: 'PENDING', error: null, at: 1_020 },
            { intentId: 'b', clientOrderId: 'c-b', symbol: 'BTC/USDT', side: 'buy', amount: 0.01, price: 49_000, state: 'SENT', error: null, at: 1_020 },
          ],
        });
        const overview = (await app.inject({ method: 'GET', url: '/api/overview' })).json();
        expect(overview.orders.counts).toEqual({ FILLED: 1, SENT: 1, PENDING: 1 });
        expect(overview.orders.recent.map((o: { intentId: string }) => o.intentId)).toEqual(['c', 'b', 'a']);
      } finally {
        await app.close();
        await after.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

