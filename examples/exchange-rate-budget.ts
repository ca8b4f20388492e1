/**
 * Exchange budget: Binance spot request weight with priority lanes and a 429 freeze.
 *
 * 1. The exchange answers 429 with Retry-After: 1, which freezes the whole budget. A market-data
 *    poll, a new order and a cancel queue up in that order; when the freeze lifts they go out
 *    by lane: the cancel first, then the order, then the poll.
 * 2. A count header reveals weight used by another bot on the same IP; polling then runs into
 *    the limit and is refused, while a cancel still goes through on the share reserved for the
 *    urgent lane.
 *
 * This bot keeps 100 weight a minute of the IP's 6,000 (a small number so the demo runs out).
 *
 * Run: npx tsx examples/exchange-budget.ts
 */
import { type Clock, systemClock } from 'bulwark';
import { binanceSpotTable, exchangeRateBudget, extendTable, memoryRateBudgetStore } from 'bulwark';

export interface ExchangeBudgetExampleOptions {
  clock?: Clock;
  log?: (line: string) => void;
}

export async function main(options: ExchangeBudgetExampleOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const budget = exchangeRateBudget({
    table: extendTable(binanceSpotTable, { budgets: [{ id: 'REQUEST_WEIGHT', limit: 100 }] }),
    store: memoryRateBudgetStore({ clock }), // the store counts on the same clock as the waits
    clock,
  });
  budget.on('frozen', ({ status, forMs }) => log(`frozen by HTTP ${status} for ${forMs} ms`));
  budget.on('corrected', ({ budget: id, observed }) => log(`exchange reports ${observed} ${id} used`));

  // --- 1. a 429 freezes every lane; queued calls leave by lane when it lifts ------------------
  await budget.charge('GET /api/v3/depth', { symbol: 'BTCUSDT', limit: 100 });
  await budget.observeResponse('GET /api/v3/depth', 429, { 'Retry-After': '1' });
  const servedInOrder: string[] = [];
  const start = clock.now();
  const queued = [
    budget.charge('GET /api/v3/depth', { symbol: 'BTCUSDT', limit: 100 }).then(() => servedInOrder.push('poll')),
    budget.charge('POST /api/v3/order', { symbol: 'BTCUSDT' }).then(() => servedInOrder.push('new order')),
    budget.charge('DELETE /api/v3/order', { symbol: 'BTCUSDT' }).then(() => servedInOrder.push('cancel')),
  ];
  await Promise.all(queued);
  const frozenForMs = clock.now() - start;
  log(`after the freeze (${frozenForMs} ms) the calls went out as: ${servedInOrder.join(', ')}`);

  // --- 2. the reserved share keeps cancels going when polling has used the rest -----------------
  await budget.observeResponse('GET /api/v3/depth', 200, { 'X-MBX-USED-WEIGHT-1M': '60' });
  let polls = 0;
  let refused: { blockedBy: string | undefined; retryAfterMs: number } | undefined;
  for (;;) {
    const decision = await budget.tryCharge('GET /api/v3/depth', { symbol: 'BTCUSDT', limit: 100 });
    if (!decision.allowed) {
      refused = { blockedBy: decision.blockedBy, retryAfterMs: decision.retryAfterMs };
      break;
    }
    polls++;
  }
  const weightAfterPolls = await budget.used('REQUEST_WEIGHT');
  log(`${polls} more polls, then refused by ${refused.blockedBy} (room again in ${refused.retryAfterMs} ms); weight used ${weightAfterPolls}`);
  const cancel = await budget.tryCharge('DELETE /api/v3/order', { symbol: 'BTCUSDT' });
  log(`a cancel at ${weightAfterPolls} weight: ${cancel.allowed ? 'allowed (urgent reserve)' : 'refused'}`);

  return { servedInOrder, frozenForMs, polls, refused, weightAfterPolls, cancelAllowed: cancel.allowed };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
