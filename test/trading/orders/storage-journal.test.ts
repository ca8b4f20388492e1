/** The durable journal (storage layer's order intent repository on SQLite) across a real restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { orderIntents } from '../../../src/storage/repos/order-intents.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { OrderStatusUnknownError } from '../../../src/trading/errors.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import { storageJournal } from '../../../src/trading/orders/storage-journal.js';
import { drive, offlineBinance } from '../support/offline-binance.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('storageJournal (SQLite)', () => {
  it('an UNKNOWN intent survives a restart and resolves to the one order the exchange holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const { exchange, router, clock } = await offlineBinance({ faults: { dropReplyAfterAccept: 1, visibilityDelayMs: 3_600_000 } });

    const db1 = await sqliteStorage({ path });
    const first = resilientExchange(exchange, { clock, journal: storageJournal(orderIntents(db1, { clock })) });
    const lost = await drive(clock, first.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'durable' })).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(OrderStatusUnknownError);
    await db1.close();

    // Restart: a new storage handle on the same file, a new wrapper; the exchange shows the order now.
    router.engine.revealOrders();
    router.resetStats();
    const db2 = await sqliteStorage({ path });
    const journal = storageJournal(orderIntents(db2, { clock: new ManualClock(clock.now()) }));
    expect((await journal.get('durable'))?.state).toBe('UNKNOWN');
    const second = resilientExchange(exchange, { clock, journal });
    const order = await drive(clock, second.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'durable' }));
    expect(order.status).toBe('open');
    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute).toEqual({ 'GET /api/v3/order': 1 });
    expect((await journal.get('durable'))).toMatchObject({ state: 'OPEN', exchangeOrderId: String(order.id) });
    await expect(journal.updateState('durable', 'PENDING')).rejects.toThrow(/cannot move from OPEN to PENDING/);
    await db2.close();
  });
});
