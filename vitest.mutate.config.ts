/**
 * The test files mutation testing runs (stryker.config.json): the tests of the modules where a
 * bug costs money. Not used by `npm test`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/trading/orders/**/*.test.ts',
      'test/trading/exchange.test.ts',
      'test/trading/never-twice.property.test.ts',
      'test/trading/gate.test.ts',
      'test/trading/gate-exchange.test.ts',
      'test/trading/gate-edges.test.ts',
      'test/trading/unknown-orders.test.ts',
      'test/trading/reconcile.test.ts',
      'test/trading/order-follower.test.ts',
      'test/trading/order-follower-edges.test.ts',
      'test/trading/sim/timing.test.ts',
      'test/storage/spool*.test.ts',
      'test/integration/storage-spool.test.ts',
      'test/integration/placement-race-postgres.test.ts',
      'test/backup/**/*.test.ts',
      'test/dlq/**/*.test.ts',
      'test/integration/storage-postgres.test.ts',
    ],
    // The JSON report of `npm test` is not wanted here.
    reporters: ['default'],
    outputFile: {},
  },
});
