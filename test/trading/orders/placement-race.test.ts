/**
 * Two placers over ONE durable SQLite journal (two processes of a fleet sharing a database)
 * racing on one intent id: the journal's insert decides which one sends; the other resolves the
 * order by lookup. Exactly one order reaches the exchange, and both callers get it.
 * The same race against PostgreSQL is in test/integration/placement-race-postgres.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { type OrderIntentRepo, orderIntents } from '../../../src/storage/repos/order-intents.js';
import { type SqliteStorage, sqliteStorage } from '../../../src/storage/sqlite.js';
import { seededRandom } from '../../../src/core/random.js';
import { resilientExchange } from '../../../src/trading/exchange.js';
import { clientOrderIdFor } from '../../../src/trading/orders/intent-id.js';
import { storageJournal } from '../../../src/trading/orders/storage-journal.js';
import { drive, offlineBinance } from '../support/offline-binance.js';
import { type RaceTiming, raceOnOneIntent } from '../support/racing-placers.js';

const dirs: string[] = [];
const opened: SqliteStorage[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('two placers racing on one intent id over one SQLite journal', () => {
  it.each<[RaceTiming, string]>([
    ['together', 'both insert at once'],
    ['after-sent', "the loser inserts while the winner's request is in flight"],
    ['answer-between', "the winner's answer is journalled between the loser's read and its move to UNKNOWN"],
  ])('%s (%s): one order on the exchange, both callers get it, journal FILLED', async (timing) => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-race-'));
    dirs.push(dir);
    const path = join(dir, 'journal.db');
    const clock = new ManualClock(1_700_000_000_000);
    // Two storage handles on one file: two processes sharing the journal.
    const handles = [await sqliteStorage({ path }), await sqliteStorage({ path })] as const;
    opened.push(...handles);
    const journals = [storageJournal(orderIntents(handles[0], { clock })), storageJournal(orderIntents(handles[1], { clock }))] as const;

    const intentId = `fleet-race-${timing}`;
    const { router, outcomes, secondMoveRefused } = await raceOnOneIntent(clock, journals, intentId, timing);

    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute['POST /api/v3/order']).toBe(1);
    const orders = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason));
    const placed = expect.objectContaining({ status: 'closed', clientOrderId: clientOrderIdFor(intentId) });
    expect(orders).toEqual([placed, placed]);
    expect(orders[0].id).toBe(orders[1].id);
    expect(await journals[1].get(intentId)).toMatchObject({ state: 'FILLED', exchangeOrderId: orders[0].id });
    // The loser's move to UNKNOWN met FILLED (final) and was refused: it continued from the answer.
    expect(secondMoveRefused).toBe(timing === 'answer-between');
  });
});

describe('the answer arrives while another placer moves the intent', () => {
  it('is recorded (FILLED), never closed FAILED as if the request had not left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-race-'));
    dirs.push(dir);
    const clock = new ManualClock(1_700_000_000_000);
    const db = await sqliteStorage({ path: join(dir, 'journal.db') });
    opened.push(db);
    const repo = orderIntents(db, { clock });
    // Just before this placer's write of FILLED, another placer on the same journal marks the
    // intent UNKNOWN (it found it PENDING or SENT with no answer, as `resume` does): the write must
    // still record the answer.
    let interleaved = false;
    const racing = (r: OrderIntentRepo): OrderIntentRepo => ({
      ...r,
      async updateState(...args: Parameters<OrderIntentRepo['updateState']>) {
        const [intentId, state] = args;
        if (state === 'FILLED' && !interleaved) {
          interleaved = true;
          await r.updateState(intentId, 'UNKNOWN', { from: ['PENDING', 'SENT'], error: 'found unresolved in the journal' });
        }
        return r.updateState(...args);
      },
      batch: (work) => r.batch((tx) => work(racing(tx))),
    });
    const { exchange, router } = await offlineBinance({ clock });
    const journal = storageJournal(racing(repo));
    const rex = resilientExchange(exchange, { clock, random: seededRandom(1), journal });

    const order = await drive(clock, rex.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { intentId: 'answer-meets-move' }));
    // The answer is written behind the caller's back: wait for it.
    await rex.flushJournal();

    expect(interleaved).toBe(true);
    expect(order.status).toBe('closed');
    expect(router.stats().ordersHeld).toBe(1);
    expect(await journal.get('answer-meets-move')).toMatchObject({ state: 'FILLED', exchangeOrderId: order.id });
  });
});
