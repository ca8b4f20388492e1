/**
 * The durable journal (storage layer's order intent repository on SQLite): one statement per
 * state change, one write before the order leaves, and restarts, including one after a crash
 * that left an order's later transitions unwritten.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { orderIntents } from '../../../src/storage/repos/order-intents.js';
import { type SqliteStorage, sqliteStorage } from '../../../src/storage/sqlite.js';
import type { Queryable, Storage } from '../../../src/storage/types.js';
import { tradingGate } from '../../../src/trading/gate.js';
import { reconcile } from '../../../src/trading/reconcile.js';
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

/** The storage, with every statement the journal runs (inside its transactions too) written to `log`. */
function recorded(db: SqliteStorage, log: string[]): Storage {
  const wrap = <Q extends Queryable>(q: Q): Q => ({
    ...q,
    run: (sql, params) => (log.push(sql), q.run(sql, params)),
    all: (sql, params) => (log.push(sql), q.all(sql, params)),
    one: (sql, params) => (log.push(sql), q.one(sql, params)),
  });
  return { ...wrap(db), transaction: (work) => db.transaction((tx) => work(wrap(tx))) };
}

const verbs = (log: string[]): string[] => log.map((sql) => sql.split(' ')[0]!);

describe('storageJournal: statements of one order', () => {
  it('one write and no read before the order leaves; the answer written in place of SENT, no reads around them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-journal-'));
    dirs.push(dir);
    const db = await sqliteStorage({ path: join(dir, 'journal.db') });
    const { exchange, router, clock } = await offlineBinance();
    const log: string[] = [];
    const rex = resilientExchange(exchange, { clock, journal: storageJournal(orderIntents(recorded(db, log), { clock })) });
    let beforeLeaving: string[] = [];
    rex.on('intent', (e) => {
      if (e.to === 'SENT') beforeLeaving = verbs(log);
    });

    const order = await drive(clock, rex.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'counted' }));
    await rex.flushJournal();

    expect(beforeLeaving).toEqual(['INSERT']);
    // SENT was held back and the answer (OPEN) took its place: one UPDATE after the insert.
    expect(verbs(log)).toEqual(['INSERT', 'UPDATE']);
    expect(router.stats().ordersHeld).toBe(1);
    expect(await orderIntents(db).get('counted')).toMatchObject({ state: 'OPEN', exchangeOrderId: String(order.id) });
    await db.close();
  });
});

describe('storageJournal: a crash after the answer, before its transitions were written', () => {
  it('the intent is PENDING on disk; reconcile at the next start finds the order and records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const { exchange, router, clock } = await offlineBinance();

    // The first process: its deferred writes wait for company that never comes (a long linger on a clock nobody advances).
    const db1 = await sqliteStorage({ path });
    const first = resilientExchange(exchange, { clock, journal: storageJournal(orderIntents(db1, { clock }), { lingerMs: 3_600_000 }) });
    const placed = await first.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'crashed' });
    expect(placed.status).toBe('open');
    // The process dies here: SENT and OPEN were never written. What is on disk is what a restart sees.
    const db2 = await sqliteStorage({ path });
    expect(await orderIntents(db2).get('crashed')).toMatchObject({ state: 'PENDING', exchangeOrderId: null });

    const journal = storageJournal(orderIntents(db2, { clock }));
    const second = resilientExchange(exchange, { clock, journal });
    const gate = tradingGate({ clock });
    router.resetStats();
    const report = await drive(clock, reconcile(second, { gate }));

    expect(report.resolved).toEqual([{ intentId: 'crashed', state: 'OPEN', orderId: String(placed.id) }]);
    expect(report.clean).toBe(true);
    expect(gate.mode).toBe('active');
    expect(await journal.get('crashed')).toMatchObject({ state: 'OPEN', exchangeOrderId: String(placed.id) });
    // Looked up, never sent again.
    expect(router.stats().byRoute['POST /api/v3/order']).toBeUndefined();
    expect(router.stats().ordersHeld).toBe(1);
    await db2.close();
  });
});
