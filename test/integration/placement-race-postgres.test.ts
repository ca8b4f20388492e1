/**
 * Two placers over ONE PostgreSQL journal (a fleet of processes on one database, each with its
 * own connection pool) racing on one intent id against the simulator: never two orders on the
 * exchange, whatever the interleaving. The SQLite twin is test/trading/orders/placement-race.test.ts.
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

  // Over real connections the interleaving is not fixed: the placer that lost the insert may mark
  // the intent UNKNOWN before the winner sends, and then nobody sends. What must hold in every
  // interleaving: never two orders, and the journal never contradicts the exchange.
  it.each<RaceTiming>(['together', 'after-sent'])('%s, 10 races: never two orders; the journal and both callers agree with the exchange', async (timing) => {
    for (let race = 0; race < 10; race++) {
      const clock = new ManualClock(1_700_000_000_000);
      const journals = [storageJournal(orderIntents(handles[0]!, { clock })), storageJournal(orderIntents(handles[1]!, { clock }))] as const;
      const intentId = `pg-race-${timing}-${race}`;

      const { router, outcomes } = await raceOnOneIntent(clock, journals, intentId, timing);

      const held = router.engine.allOrdersHeld();
      expect(held.length).toBeLessThanOrEqual(1);
      expect(router.stats().byRoute['POST /api/v3/order'] ?? 0).toBeLessThanOrEqual(1);
      const intent = await journals[0].get(intentId);
      const placed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      if (held.length === 1) {
        expect(held[0]!.clientOrderId).toBe(clientOrderIdFor(intentId));
        for (const order of placed) expect(order.id).toBe(String(held[0]!.orderId));
        // FILLED, or UNKNOWN while its lookups have not found it yet: never closed as not placed.
        expect(['FILLED', 'UNKNOWN']).toContain(intent?.state);
      } else {
        expect(placed).toEqual([]);
        expect(['UNKNOWN', 'FAILED']).toContain(intent?.state);
      }
    }
    // Ten races over real connections: on a busy machine each step waits on PostgreSQL's answers.
    // A placement that never settles fails its race within about 15 s, naming it (racing-placers.ts).
  }, 90_000);

  // The interleaving that once hung the race harness, made certain: the loser read the intent
  // PENDING, the winner's FILLED is durable before the loser's move to UNKNOWN, which is refused;
  // the loser continues from the journal (the winner's order), never sends, never fails.
  it('answer-between: the loser continues from the answer the winner journalled; one order, both callers get it', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const journals = [storageJournal(orderIntents(handles[0]!, { clock })), storageJournal(orderIntents(handles[1]!, { clock }))] as const;
    const intentId = 'pg-race-answer-between';

    const { router, outcomes, secondMoveRefused } = await raceOnOneIntent(clock, journals, intentId, 'answer-between');

    expect(secondMoveRefused).toBe(true);
    expect(router.stats().byRoute['POST /api/v3/order']).toBe(1);
    const held = router.engine.allOrdersHeld();
    expect(held).toHaveLength(1);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.id : o.reason))).toEqual([String(held[0]!.orderId), String(held[0]!.orderId)]);
    expect(await journals[1].get(intentId)).toMatchObject({ state: 'FILLED', exchangeOrderId: String(held[0]!.orderId) });
  }, 30_000);
});
