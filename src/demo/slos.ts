/**
 * The demo's SLOs: the order path's availability and the market data's latency, judged over the
 * recording of the demo's breakers. A latency threshold is a bound of the latency histogram
 * (observe/metrics.ts `latencyBuckets`), so the Prometheus export of the rules holds.
 */
import type { SloDefinition } from '../analytics/slo.js';

export const demoSlos: readonly SloDefinition[] = [
  {
    name: 'orders-available',
    dependency: 'binance:orders',
    kind: 'availability',
    // The demo breaks its exchange every few seconds on purpose (about 5% of order calls fail):
    // at 95% the budget is about spent, the ticket alerts fire and a burst of faults pages, as a
    // deployment's 99.9% would show against a real incident; at 99% every alert fired all the time.
    objectivePercent: 95,
    windowDays: 7,
    // minimumCalls: the default (100), about a minute and a half of the demo's orders: no page on the first few.
    description: 'orders placed, cancelled and looked up without failure',
  },
  {
    name: 'market-data-fast',
    dependency: 'binance:marketData',
    kind: 'latency',
    thresholdMs: 250, // a bound of the latency histogram (0.25 s)
    objectivePercent: 99,
    windowDays: 7,
    description: 'tickers and books answered within 250 ms',
  },
];
