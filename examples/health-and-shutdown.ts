/**
 * Health and graceful shutdown for a trading bot.
 *
 * Health: checks with dependencies (orders need PostgreSQL, PostgreSQL needs the network) and
 * a breaker check, a 0-100 score, and the reasons that lowered it. When the network goes down,
 * PostgreSQL and orders are reported `affected` (not run), naming the network as the cause.
 *
 * Shutdown: on SIGTERM the bot stops being ready, waits for an order still in flight, then runs
 * its hooks highest priority first (flush the journal before closing the database) and exits
 * with 143. Here the signal is simulated and `exit` only records the code; a real service keeps
 * the default `exit` and calls `shutdown.install()` to handle SIGINT and SIGTERM.
 *
 * Run: npx tsx examples/health-and-shutdown.ts
 */
import { type Clock, circuitBreaker, systemClock } from 'bulwark';
import { breakerCheck, healthRegistry, healthScore } from 'bulwark/health';
import { gracefulShutdown } from 'bulwark/shutdown';

export interface HealthAndShutdownOptions {
  clock?: Clock;
  log?: (line: string) => void;
}

export async function main(options: HealthAndShutdownOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));

  // --- health -------------------------------------------------------------------------------
  let networkUp = true;
  const binance = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 3 }, clock });
  const health = healthRegistry({ clock });
  health.register({ name: 'network', check: () => networkUp, group: 'system' });
  health.register({ name: 'postgres', dependsOn: ['network'], check: () => true, timeoutMs: 2_000 });
  health.register({ name: 'orders', dependsOn: ['postgres'], check: () => true, group: 'trading' });
  health.register(breakerCheck(binance));
  health.on('stateChange', (change) => log(`health: ${change.scope === 'check' ? change.name : 'overall'} ${change.from} -> ${change.to}`));

  const healthy = healthScore(await health.check({ fresh: true }));
  log(`score while all is well: ${healthy.score}`);

  networkUp = false;
  for (let i = 0; i < 3; i++) await binance.execute(() => Promise.reject(new Error('ETIMEDOUT'))).catch(() => undefined);
  const report = await health.check({ fresh: true });
  const degraded = healthScore(report);
  const orders = report.checks.find((c) => c.name === 'orders');
  log(`overall ${report.status}, score ${degraded.score}; orders ${orders?.status} (cause: ${orders?.cause?.join(', ')})`);
  for (const reason of degraded.reasons) log(`  -${reason.lost} ${reason.check}: ${reason.message ?? reason.status}`);

  // --- graceful shutdown -----------------------------------------------------------------------
  let exitCode: number | undefined;
  const shutdown = gracefulShutdown({ clock, readyDelayMs: 1_000, drainTimeoutMs: 10_000, exit: (code) => (exitCode = code) });
  const phases: string[] = [];
  const hooksRun: string[] = [];
  shutdown.on('phase', ({ phase }) => phases.push(phase));
  let orderAcknowledged = false;
  let orderAcknowledgedBeforeHooks = false;
  shutdown.addHook('close database', () => void hooksRun.push('close database'), { priority: 0 });
  shutdown.addHook('flush order journal', () => {
    orderAcknowledgedBeforeHooks = orderAcknowledged;
    hooksRun.push('flush order journal');
  }, { priority: 10 });

  // An order is being placed when the signal arrives; it takes 3 s more to be acknowledged.
  const beacon = shutdown.beacon('order:42');
  void clock.sleep(3_000).then(() => {
    orderAcknowledged = true;
    beacon.done();
  });

  const started = clock.now();
  const stopping = shutdown.shutdown({ signal: 'SIGTERM' });
  const readyDuringShutdown = shutdown.ready;
  const code = await stopping;
  log(`shutdown: ${phases.join(' -> ')}; hooks ${hooksRun.join(', ')}; exit ${code} after ${clock.now() - started} ms`);
  const tookMs = clock.now() - started;

  return {
    healthyScore: healthy.score,
    degraded: { status: report.status, score: degraded.score, orders: orders?.status, cause: orders?.cause, reasons: degraded.reasons.map((r) => r.check) },
    shutdown: { phases, hooksRun, readyDuringShutdown, orderAcknowledgedBeforeHooks, exitCode, tookMs },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
