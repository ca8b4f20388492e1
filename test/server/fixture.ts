/** A full set of server components on a ManualClock, in memory (SQLite :memory:, a temp backup folder). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Backups, backups } from '../../src/backup/backups.js';
import { ManualClock } from '../../src/core/clock.js';
import { type DeadLetterQueue, deadLetters } from '../../src/dlq/dead-letters.js';
import { HealthRegistry } from '../../src/health/registry.js';
import { tokenBucket } from '../../src/limits/token-bucket.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { type TrackedLimiter, trackLimiter } from '../../src/observe/limit-usage.js';
import { type Metrics, createMetrics } from '../../src/observe/metrics.js';
import type { OrdersView } from '../../src/observe/order-outcomes.js';
import { observeBreaker } from '../../src/observe/bind-policies.js';
import { dependencyStats } from '../../src/observe/dependency-tiles.js';
import { type PolicyRegistry, createRegistry } from '../../src/policies/registry.js';
import { type OpsApp, type BuildAppOptions, buildApp } from '../../src/server/app.js';
import type { ServerComponents } from '../../src/server/components.js';
import { type LiveEvents, liveEvents } from '../../src/server/live-events.js';
import { type SqliteStorage, sqliteStorage } from '../../src/storage/sqlite.js';
import { type TradingGate, tradingGate } from '../../src/trading/gate.js';

export interface Fixture {
  app: OpsApp;
  clock: ManualClock;
  metrics: Metrics;
  events: LiveEvents;
  registry: PolicyRegistry;
  gate: TradingGate;
  limiter: TrackedLimiter;
  queue: DeadLetterQueue;
  replayed: string[];
  backups: Backups;
  alerts: AlertEngine;
  storage: SqliteStorage;
  components: ServerComponents;
  close(): Promise<void>;
}

export const orders: OrdersView = {
  counts: () => ({ OPEN: 1, FILLED: 2 }),
  recent: (limit) =>
    [
      { intentId: 'i-2', clientOrderId: 'c-2', symbol: 'BTC/USDT', side: 'sell', amount: 0.002, price: 50_010, state: 'FILLED', error: null, at: 2 },
      { intentId: 'i-1', clientOrderId: 'c-1', symbol: 'BTC/USDT', side: 'buy', amount: 0.001, price: 49_990, state: 'OPEN', error: null, at: 1 },
    ].slice(0, limit),
};

export async function fixture(options: { omit?: Array<keyof ServerComponents>; app?: BuildAppOptions } = {}): Promise<Fixture> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const metrics = createMetrics({ defaultMetrics: false });
  const events = liveEvents({ clock });
  const registry = createRegistry({ defaults: { clock, window: { kind: 'consecutive', failures: 2 } } });
  const breaker = registry.breaker('exchange');
  registry.breaker('database');
  const unbind = observeBreaker(metrics, breaker);
  const gate = tradingGate({ clock });
  const limiter = trackLimiter(tokenBucket({ capacity: 2, refillPerSecond: 1, clock }), { name: 'orders', description: '1/s, burst 2', capacity: 60, clock });
  const storage = await sqliteStorage({ path: ':memory:', clock });
  const queue = deadLetters(storage, { name: 'orders', clock });
  const replayed: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'bulwark-server-'));
  await writeFile(join(dir, 'positions.json'), '{"BTC/USDT":0.5}');
  const backupStore = backups({ dir: join(dir, 'backups'), dataPaths: [join(dir, 'positions.json')], clock });
  const alerts = new AlertEngine({ source: registrySource(metrics.registry), clock, intervalMs: 1_000 });
  const health = new HealthRegistry({ clock });
  health.register({ name: 'exchange', group: 'services', check: () => (breaker.state === 'closed' ? true : { status: 'down', message: 'exchange breaker open' }) });
  const omit = new Set(options.omit ?? []);
  const all: ServerComponents = {
    metrics,
    events,
    health,
    breakers: registry,
    dependencies: () => [dependencyStats(breaker, { clock })],
    limits: () => [limiter.usage()],
    gate,
    orders,
    deadLetters: {
      queue,
      replay: (letter) => {
        if ((letter.payload as { fail?: boolean }).fail) throw new Error('still failing');
        replayed.push(letter.id);
      },
    },
    backups: backupStore,
    alerts,
    clock,
    serviceId: 'test-service',
  };
  const components = Object.fromEntries(Object.entries(all).filter(([key]) => !omit.has(key as keyof ServerComponents))) as unknown as ServerComponents;
  const app = await buildApp(components, { webRoot: join(dir, 'no-dashboard'), ...options.app });
  return {
    app,
    clock,
    metrics,
    events,
    registry,
    gate,
    limiter,
    queue,
    replayed,
    backups: backupStore,
    alerts,
    storage,
    components,
    async close() {
      await app.close();
      unbind();
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
