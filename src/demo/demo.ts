/**
 * Demo mode (`bulwark start` without a config): the simulated exchange behind three endpoints
 * (api1..api3, free loopback ports), a real ccxt.binance routed across them by a failover group and
 * behind the full stack (breakers, retry, timeout, bulkhead, rate
 * limit, trading gate, intent journal on embedded SQLite under ./.bulwark/), a sample bot trading
 * through it, a dead-letter queue, backups, health checks, metrics and alert rules, and a fault
 * injector that breaks the exchange (or one of its endpoints) now and then so the dashboard shows
 * failures, failovers and recoveries. The analytics record every breaker's calls, keep the incidents
 * and judge two demo SLOs (demo/slos.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { setTimerOn } from '../core/clock.js';
import { type Backups, backups as createBackups } from '../backup/backups.js';
import { type DeadLetterQueue, deadLetters as createDeadLetters } from '../dlq/dead-letters.js';
import { breakerCheck } from '../health/checks/breaker.js';
import { memoryCheck } from '../health/checks/memory.js';
import { type HealthRegistry, healthRegistry } from '../health/registry.js';
import { healthScore } from '../health/score.js';
import { AlertEngine } from '../observe/alerts/engine.js';
import { observeAlerts } from '../observe/alert-metrics.js';
import { registrySource } from '../observe/alerts/source.js';
import { storageAlertHistory } from '../observe/alerts/storage-history.js';
import { observeBreaker, observeBulkhead, observeRateLimit, observeTimeout } from '../observe/bind-policies.js';
import { type DependencyStats, dependencyStats } from '../observe/dependency-tiles.js';
import { type TrackedLimiter, observeLimitUsage, trackLimiter } from '../observe/limit-usage.js';
import { Metrics, createMetrics, gateStates } from '../observe/metrics.js';
import { type HealthSnapshotLike, observeHealth } from '../observe/health-metrics.js';
import { observeThrottles } from '../observe/throttles.js';
import { type OrderOutcomes, observeOrders } from '../observe/order-outcomes.js';
import { journalOrders } from '../observe/journal-orders.js';
import { bulkhead } from '../policies/bulkhead.js';
import { pipeline } from '../policies/pipeline.js';
import { rateLimit } from '../policies/rate-limit.js';
import { timeout } from '../policies/timeout.js';
import { tokenBucket } from '../limits/token-bucket.js';
import type { CircuitBreaker } from '../policies/breaker/index.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { orderIntents } from '../storage/repos/order-intents.js';
import { httpStatusOf } from '../trading/errors.js';
import { resilientExchange } from '../trading/exchange.js';
import { tradingGate } from '../trading/gate.js';
import { followOrders } from '../trading/order-follower.js';
import { storageJournal } from '../trading/orders/storage-journal.js';
import { pointAtSimulator } from '../trading/sim/connect.js';
import { seededRandom } from '../core/random.js';
import { startSimEndpoints } from '../trading/sim/endpoints.js';
import type { FailoverGroup } from '../failover/types.js';
import { sqliteSimStore } from '../trading/sim/state-store.js';
import { operatorSettings } from '../storage/repos/operator-settings.js';
import { operatorState } from '../server/operator-state.js';
import { recoverAtStart } from '../server/start-recovery.js';
import { auditDecisions, auditRestoredState } from '../server/audit-decisions.js';
import { bindFailover } from '../server/failover-events.js';
import { auditLog } from '../security/audit-log.js';
import { loadServerKey } from '../security/server-key.js';
import { configuredThreats } from '../server/configured-threats.js';
import { liveEvents } from '../server/live-events.js';
import { ChaosExperiments } from '../chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../chaos/experiments/default-registry.js';
import { chaosRunStore } from '../chaos/experiments/run-store.js';
import { simExchange } from '../chaos/experiments/target.js';
import { DemoBot } from './bot.js';
import { FaultInjector } from './fault-injector.js';
import { demoAlertRules } from './alert-rules.js';
import { demoSlos } from './slos.js';
import { wiredAnalytics } from '../server/configured-analytics.js';
import { demoPolicies, demoPolicyConfig } from './demo-policies.js';
import { livePolicies, reportRestoredPolicies } from '../server/live-policies.js';
import { presetBreakerOptions } from '../trading/presets.js';
import { DEMO_DEFAULTS, DEMO_ENDPOINTS, type Demo, type DemoOptions } from './demo-options.js';

export { DEMO_DEFAULTS, DEMO_ENDPOINTS, type Demo, type DemoOptions } from './demo-options.js';


/** Starts every part of the demo; nothing here listens on a public interface. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const o = { ...DEMO_DEFAULTS, ...options };
  const clock = o.clock;
  const random = seededRandom(o.seed);
  const cleanups: Array<() => unknown> = [];
  try {
    // The simulated exchange keeps its book in the data folder: a restart of the demo is a restart of our process, not of the exchange.
    mkdirSync(o.dataDir, { recursive: true });
    const simStore = sqliteSimStore(join(o.dataDir, 'sim.db'));
    cleanups.push(() => simStore.close());
    const endpoints = await startSimEndpoints({
      names: DEMO_ENDPOINTS,
      seed: o.seed,
      clock,
      store: simStore,
      ports: o.simPort > 0 ? [o.simPort] : [],
    });
    cleanups.push(() => endpoints.close());
    const sim = endpoints.asServer();
    let cancelWalk: (() => void) | undefined;
    const walk = (): void => {
      cancelWalk = setTimerOn(clock, o.priceStepMs, () => {
        sim.engine.step(0.0008);
        walk();
      });
    };
    walk();
    cleanups.push(() => cancelWalk?.());

    // NORMAL: the demo's journal is disposable, and a sync per order would slow the bot for nothing.
    const storage = await sqliteStorage({ dataDir: o.dataDir, synchronous: 'NORMAL', clock });
    cleanups.push(() => storage.close());
    const journal = storageJournal(orderIntents(storage, { clock }));
    const deadLetters: DeadLetterQueue = createDeadLetters(storage, { name: 'orders', clock });
    const backupStore: Backups = createBackups({ dir: join(o.dataDir, 'backups'), sqliteDatabases: [storage.path], clock });

    const metrics = createMetrics();
    const events = liveEvents({ clock });
    const gate = tradingGate({ clock, maxUnknownOrders: 5 });

    const binance = pointAtSimulator(
      new ccxt.binance({ apiKey: 'demo-key', secret: 'demo-secret', enableRateLimit: false, timeout: demoPolicies.timeout.ms, options: { maxRetriesOnFailure: 0 } }),
      sim.url,
    );
    const exchange = resilientExchange(binance, {
      journal,
      clock,
      random,
      admission: gate,
      // The exchangeApi preset keeps a breaker open for minutes; the demo shows recovery within seconds (demo-policies.ts).
      breaker: { openMs: demoPolicies.breaker.openMs },
      maxAttempts: demoPolicies.retry.maxAttempts,
      lookupAttempts: 4,
      // Three hosts of one exchange, weighted alike; ejections and slow start short enough to watch.
      endpoints: endpoints.specs(),
      endpointGroup: { outlierDetection: { baseEjectionMs: 10_000 }, slowStart: { windowMs: 15_000 } },
      ...o.exchange,
    });
    const failover: FailoverGroup<string>[] = exchange.endpoints ? [exchange.endpoints] : [];
    for (const group of failover) {
      group.start();
      cleanups.push(() => group.stop());
    }
    // Cleanups run last first: the transitions written behind the last orders land before the storage closes.
    cleanups.push(() => exchange.flushJournal());
    await exchange.loadMarkets();
    sim.resetStats();

    const breakerList: CircuitBreaker[] = exchange.breakers ? [exchange.breakers.exchange, ...Object.values(exchange.breakers.groups)] : [];
    // The order path runs through the exchange-wide breaker and the orders breaker: either one open means reducing.
    // Order-path breakers (binance:all, binance:orders) -> reducing; orders still unresolved -> halted, cleared as they resolve.
    cleanups.push(gate.watchExchange(exchange));
    for (const breaker of breakerList) cleanups.push(observeBreaker(metrics, breaker));
    cleanups.push(exchange.on('retry', () => metrics.retryCalls.inc({ name: 'binance', kind: 'retry' })));
    const orders: OrderOutcomes = observeOrders(metrics, exchange);
    cleanups.push(orders.close);
    cleanups.push(
      exchange.on('intent', (e) => {
        if (e.to === 'UNKNOWN') events.record('order', e.intentId, 'order outcome unknown: reply lost; looking it up by client order id', 'warning');
        else if (e.from === 'UNKNOWN') events.record('order', e.intentId, e.cause ? `order never placed (${e.cause}): not found past the exchange's deadline` : `order reconciled: ${e.to}`);
      }),
    );
    cleanups.push(exchange.on('rejected', ({ reason, retryAfterMs }) => events.record('order', 'binance', `throttled by the exchange for ${retryAfterMs} ms${reason === 'banned' ? ' (ban)' : ''}`, 'warning')));

    const orderLimiter: TrackedLimiter = trackLimiter(tokenBucket({ capacity: 5, refillPerSecond: 2, clock }), {
      name: 'binance orders',
      description: 'token bucket: 2 orders/s, burst 5',
      capacity: 120,
      clock,
    });
    const rate = rateLimit(orderLimiter, { key: 'orders', backpressure: true, maxWaitMs: 2_000 });
    const orderTimeout = timeout({ ms: 4_000, clock });
    const orderBulkhead = bulkhead({ maxConcurrent: 2, maxQueue: 4 });
    cleanups.push(observeRateLimit(metrics, rate, 'binance orders'), observeTimeout(metrics, orderTimeout, 'binance orders'), observeBulkhead(metrics, orderBulkhead, 'binance orders'));
    const orderPolicy = pipeline(orderTimeout, orderBulkhead);

    const dependencies: DependencyStats[] = breakerList.map((breaker) =>
      dependencyStats(breaker, {
        clock,
        ...(breaker === exchange.breakers?.groups.orders ? { saturation: () => orderBulkhead.executing / orderBulkhead.maxConcurrent } : {}),
      }),
    );
    cleanups.push(() => dependencies.forEach((d) => d.close()));

    const health: HealthRegistry = healthRegistry({ clock });
    for (const breaker of breakerList) {
      const named = { name: breaker.name ?? 'breaker', get state() { return breaker.state; } };
      health.register({ ...breakerCheck(named, { critical: breaker === exchange.breakers?.exchange }), intervalMs: 1_000 });
    }
    health.register({ ...memoryCheck(), intervalMs: 5_000 });
    health.register({ name: 'storage', group: 'services', intervalMs: 5_000, check: async () => (await storage.one('SELECT 1 AS ok')) !== undefined });
    // A halted gate is down (trading stopped), reducing is degraded, as the dashboard shows them.
    health.register({ name: 'trading-gate', group: 'trading', critical: false, intervalMs: 1_000, check: () => (gate.mode === 'active' ? true : { status: gate.mode === 'halted' ? 'down' : 'degraded', message: `trading gate ${gate.mode}: ${gate.status.reason}` }) });
    health.start();
    cleanups.push(() => health.stop());

    // Gauges that read live state at each scrape.
    let lastHealth: HealthSnapshotLike | undefined;
    let dlqDepth = 0;
    const refreshState = async (): Promise<void> => {
      const report = await health.check();
      lastHealth = { score: healthScore(report).score, checks: report.checks };
      dlqDepth = await deadLetters.count({ status: 'pending' });
    };
    cleanups.push(
      metrics.onScrape(() => {
        Metrics.setState(metrics.tradingGate, { gate: 'demo' }, 'state', gateStates, gate.mode);
        metrics.dlqDepth.set({ queue: deadLetters.name }, dlqDepth);
      }),
      observeHealth(metrics, () => lastHealth),
      observeLimitUsage(metrics, orderLimiter),
      observeThrottles(metrics, exchange, 'binance', httpStatusOf),
    );
    let stateTimer: (() => void) | undefined;
    const stateLoop = (): void => {
      stateTimer = setTimerOn(clock, 1_000, () => {
        refreshState().then(stateLoop, stateLoop);
      });
    };
    await refreshState();
    stateLoop();
    cleanups.push(() => stateTimer?.());

    // Recording, incidents and the demo's SLOs over the demo's storage; with chaos on, experiments are incidents too.
    const chaosRuns = o.chaos ? await chaosRunStore(storage) : undefined;
    // The anomaly detector with its defaults, as a configured service runs it (`analytics.anomaly`).
    // The exchange's policies as they run: a recommendation applied from the dashboard reaches them at once (live-policies.ts).
    const live = livePolicies(demoPolicyConfig, { presetWindow: presetBreakerOptions('exchangeApi').window!, clock, onError: (message) => events.record('operator', 'policies', message, 'critical') });
    cleanups.push(() => live.close());
    cleanups.push(live.attach(exchange));
    const analytics = await wiredAnalytics(demoSlos, {
      storage,
      instance: 'bulwark-demo',
      clock,
      settings: { current: live.settings, from: "the demo's exchange policies (breakers: the exchangeApi preset window)" },
      live,
      anomaly: { enabled: true },
      ...(chaosRuns ? { chaosRuns } : {}),
    });
    cleanups.push(() => analytics.close());
    const registryMetrics = registrySource(metrics.registry);
    const alerts = new AlertEngine({ source: analytics.source(registryMetrics), clock, intervalMs: 2_000, history: await storageAlertHistory(storage) });
    for (const rule of demoAlertRules) alerts.add(rule);
    // The breakers' calls recorded, incidents from the breakers, the gate, bans and alerts; the SLOs' burn-rate rules join the engine.
    cleanups.push(analytics.attach({ breakers: breakerList, gate, exchanges: [exchange], alerts, metrics: registryMetrics }));
    cleanups.push(observeAlerts(metrics, alerts));
    alerts.start();
    cleanups.push(() => alerts.stop());

    // Before the first new order: the operator's halts come back, and the journal is reconciled with the exchange.
    // The simulator runs in this process and writes every order before it answers, so an intent it does not hold
    // after a restart never reached it (no grace period needed), and no other process places this journal's
    // intents, so one left SENT by a crash is abandoned at once.
    const settingsStore = operatorSettings(storage, { clock });
    // Tunings applied live before a restart come back.
    reportRestoredPolicies(await live.persist(settingsStore), events);
    const operator = operatorState({ store: settingsStore, gate, breakers: { breakers: () => breakerList }, alerts, failover: { groups: () => failover }, now: () => clock.now() });
    cleanups.push(() => operator.close());
    // The audit log: the demo's decisions and every state-changing request, chained with the key in the data folder.
    const audit = await auditLog(storage, { key: loadServerKey({ dataDir: o.dataDir }), clock });
    audit.startCheckpoints();
    cleanups.push(() => audit.close());
    const auditFailed = (): void => void events.record('operator', 'audit log', 'an audit entry could not be written', 'critical');
    cleanups.push(auditDecisions(audit, { gate, breakers: breakerList, onFailure: auditFailed }));
    // The endpoints' ejections, panics and failovers on the timeline and in the audit log; their metrics and alert rules.
    cleanups.push(bindFailover(failover, { events, audit, metrics, alerts, onAuditFailure: auditFailed }));
    const recovered = await recoverAtStart({ operator, events, exchanges: [{ exchange, options: { gate, symbols: ['BTC/USDT'], unknownGraceMs: 0, abandonedAfterMs: 0 } }] });
    await auditRestoredState(audit, recovered.operator, auditFailed);
    // Lockout and threat detection over the audit log, sign-ins and the bot's orders; the Security* alerts join the demo's.
    const threats = await configuredThreats(o.threats, { storage, audit, exchanges: [exchange], clock, onAuditFailure: auditFailed });
    if (threats) cleanups.push(() => threats.close());

    // The journal follows every order to its end (fills, cancels, unknown outcomes) every 2 s.
    const follower = followOrders(exchange, { gate, symbols: ['BTC/USDT'], intervalMs: 2_000 });
    cleanups.push(() => follower.stop());
    // The rate limit is charged once per order, by `rate`; the gate and a ban refuse before it.
    const bot = new DemoBot({ exchange, orderPolicy: pipeline(rate, orderPolicy), deadLetters, clock, random, tickMs: o.tickMs });
    bot.start();
    cleanups.push(() => bot.stop());

    const faults = new FaultInjector({
      simUrl: sim.url,
      server: sim,
      endpoints,
      scenarios: o.scenarios,
      quietMs: o.faultQuietMs > 0 ? o.faultQuietMs : 1,
      clock,
      onChange: ({ scenario, active }) =>
        events.record('fault', scenario.name, active ? `fault injected: ${scenario.description}` : 'fault cleared', active ? 'warning' : 'info'),
    });
    if (o.faultQuietMs > 0) {
      faults.start();
      cleanups.push(() => faults.stop());
    }
    events.record('operator', 'demo', `demo started: simulated exchange behind ${endpoints.endpoints.map((e) => `${e.name} ${e.url}`).join(', ')}`);

    // Experiments break the demo's own simulated exchange; never live trading here.
    const chaosExperiments = o.chaos
      ? new ChaosExperiments({
          registry: defaultActivityRegistry(),
          target: { health, gate, registry: metrics.registry, orders: journalOrders(journal), exchange: simExchange(sim) },
          store: chaosRuns ?? (await chaosRunStore(storage)),
          guardrails: () => ({ chaosEnabled: true, liveTrading: false }),
          audit,
          clock,
          onAuditFailure: auditFailed,
        })
      : undefined;
    if (chaosExperiments) cleanups.push(() => chaosExperiments.close());

    const components: Demo['components'] = {
      ...(chaosExperiments ? { chaos: { experiments: chaosExperiments } } : {}),
      metrics,
      events,
      health,
      breakers: { breakers: () => breakerList },
      dependencies: () => dependencies,
      limits: () => [orderLimiter.usage()],
      gate,
      failover: { groups: () => failover },
      orders: journalOrders(journal),
      deadLetters: {
        queue: deadLetters,
        // Replays place the order again under an intent id of its own, derived from the letter: at most once per letter.
        replay: async (letter, ctx) => {
          const p = letter.payload as { symbol: string; side: 'buy' | 'sell'; amount: number; price: number };
          await exchange.createOrder(p.symbol, 'limit', p.side, p.amount, p.price, { intentId: `replay-${ctx.idempotencyKey}` });
        },
      },
      backups: backupStore,
      audit,
      alerts,
      ...(threats ? { threats: threats.component } : {}),
      analytics: analytics.service,
      advice: analytics.advice,
      livePolicies: live,
      operatorState: operator,
      clock,
      serviceId: 'bulwark-demo',
    };

    let stopped = false;
    return {
      components,
      sim,
      endpoints,
      exchange,
      gate,
      bot,
      faults,
      storage,
      async stop() {
        if (stopped) return;
        stopped = true;
        await runCleanups(cleanups);
      },
    };
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  }
}

/** Runs cleanups last first; one that fails does not stop the others. */
async function runCleanups(cleanups: Array<() => unknown>): Promise<void> {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // Best effort: the process is stopping.
    }
  }
  cleanups.length = 0;
}
