/**
 * Two placers over ONE PostgreSQL journal (a fleet of processes on one database, each with its
 * own connection pool) racing on one intent id against the simulator: exactly one order on the
 * exchange. The SQLite twin is test/trading/orders/placement-race.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type PostgresStorage, postgresStorage } from '../../src/storage/postgres.js';
import { orderIntents } from '../../src/storage/repos/order-intents.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { storageJournal } from '../../src/trading/orders/storage-journal.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { type RaceTiming, raceOnOneIntent } from '../trading/support/racing-placers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);

describeWith(available, 'two placers racing on one intent id over one PostgreSQL journal', () => {
  const schema = uniqueSchema('bw_race');
  const handles: PostgresStorage[] = [];

  beforeAll(async () => {
    // Two pools on one schema: two processes sharing the journal.
    for (let i = 0; i < 2; i++) handles.push(await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger() }));
  });
  afterAll(async () => {
    for (const db of handles) await db.close();
    await dropSchema(schema);
  });

  it.each<RaceTiming>(['together', 'after-sent'])('%s: one order on the exchange, both callers get it, journal FILLED', async (timing) => {
    const clock = new ManualClock(1_700_000_000_000);
    const journals = [storageJournal(orderIntents(handles[0]!, { clock })), storageJournal(orderIntents(handles[1]!, { clock }))] as const;
    const intentId = `pg-race-${timing}`;

    const { router, outcomes } = await raceOnOneIntent(clock, journals, intentId, timing);

    expect(router.stats().ordersHeld).toBe(1);
    expect(router.stats().byRoute['POST /api/v3/order']).toBe(1);
    const orders = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : o.reason));
    const placed = expect.objectContaining({ status: 'closed', clientOrderId: clientOrderIdFor(intentId) });
    expect(orders).toEqual([placed, placed]);
    expect(orders[0].id).toBe(orders[1].id);
    expect(await journals[0].get(intentId)).toMatchObject({ state: 'FILLED', exchangeOrderId: orders[0].id });
  });
});
