/**
 * Safe orders: `resilientExchange` around an unmodified ccxt.binance never places an order twice.
 *
 * The exchange here is Bulwark's simulated Binance, handed to ccxt as its `fetchImplementation`
 * (no socket, no API key needed). The simulator accepts the first order and then loses the reply:
 * the bot cannot know whether the order exists. Instead of sending it again, the resilient
 * exchange looks the order up by the client order id it sent, finds it, and returns it. Asking
 * again for the same intent returns the same order. The exchange ends up holding exactly one.
 *
 * To trade for real, pass your own `new ccxt.binance({ apiKey, secret })` instead.
 *
 * Run: npx tsx examples/safe-orders.ts
 */
import ccxt from 'ccxt';
import { type Clock, systemClock } from 'bulwark';
import { createSimRouter, memoryJournal, resilientExchange, simFetch } from 'bulwark/trading';

export interface SafeOrdersOptions {
  clock?: Clock;
  random?: () => number;
  log?: (line: string) => void;
}

export async function main(options: SafeOrdersOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));

  // The simulated exchange: the reply to the first accepted order is lost on the way back.
  const sim = createSimRouter({ clock, faults: { dropReplyAfterAccept: 1 } });
  const binance = new ccxt.binance({ apiKey: 'demo', secret: 'demo', enableRateLimit: false, fetchImplementation: simFetch(sim) });
  // The simulator checks each request's timestamp against its recvWindow, as Binance does: ccxt signs with the same clock.
  binance.milliseconds = () => clock.now();
  await binance.loadMarkets();
  sim.resetStats(); // count only the requests made below

  const journal = memoryJournal({ clock }); // storageJournal(...) keeps intents across restarts
  const exchange = resilientExchange(binance, { clock, random: options.random ?? Math.random, journal });
  exchange.on('intent', ({ intentId, from, to }) => log(`intent ${intentId}: ${from ?? 'new'} -> ${to}`));

  const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'rebalance-2024-06-01' });
  log(`placed ${order.id} (${order.clientOrderId}), status ${order.status}`);

  // A retry of the same intent (say, after a restart) returns the order instead of placing another.
  const again = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 49_000, { intentId: 'rebalance-2024-06-01' });
  log(`same intent again: ${again.id}`);

  const stats = sim.stats();
  log(`the exchange holds ${stats.ordersHeld} order(s); requests: ${JSON.stringify(stats.byRoute)}`);
  return {
    orderId: order.id,
    againId: again.id,
    clientOrderId: order.clientOrderId,
    ordersHeld: stats.ordersHeld,
    byRoute: stats.byRoute,
    journalState: (await journal.get('rebalance-2024-06-01'))?.state,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
