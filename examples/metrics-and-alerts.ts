/**
 * Metrics and alerts: policies bound to Prometheus metrics, an alert rule with a `for` duration,
 * notifications on firing and on resolution, the Prometheus text and the rule as Prometheus YAML.
 *
 * The Binance breaker opens after three failed calls. The rule "breaker-open" turns pending at
 * the next evaluation and fires once the breaker has stayed open for `forMs`; the channel gets one
 * "firing" notification. When the breaker closes again the alert resolves and the channel gets a
 * "resolved" one. The same rule is printed as a Prometheus rule file, ready to move to Prometheus.
 *
 * Run: npx tsx examples/metrics-and-alerts.ts
 */
import { type Clock, circuitBreaker, retry, systemClock } from 'bulwark';
import {
  type Notification,
  type NotificationChannel,
  alertEngine,
  createMetrics,
  observeBreaker,
  observeRetry,
  registrySource,
  toPrometheusRules,
} from 'bulwark/observe';

export interface MetricsAndAlertsOptions {
  clock?: Clock;
  log?: (line: string) => void;
}

/** How long the breaker must stay open before the alert fires; short here, 30 s or more in production. */
const forMs = 2_000;
const openMs = 3_000;

export async function main(options: MetricsAndAlertsOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));

  const metrics = createMetrics({ defaultMetrics: false }); // no process metrics, to keep the output short
  const breaker = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 3 }, openMs, clock });
  const retries = retry({ maxAttempts: 2, clock, random: () => 0.5 });
  observeBreaker(metrics, breaker);
  observeRetry(metrics, retries, 'binance-reads');

  // A channel is anything with a name and send(); webhookChannel() and logChannel() are built in.
  const notifications: Notification[] = [];
  const collect: NotificationChannel = {
    name: 'collect',
    send: async (notification) => {
      notifications.push(notification);
      log(`notify: ${notification.status} ${notification.alerts.map((a) => a.rule).join(', ')}`);
    },
  };
  const alerts = alertEngine({ source: registrySource(metrics.registry), channels: [collect], clock });
  alerts.add({
    name: 'breaker-open',
    metric: 'bulwark_circuitbreaker_state',
    match: { state: 'open' },
    condition: '>',
    threshold: 0,
    forMs,
    severity: 'critical',
    description: 'A dependency circuit is open',
  });
  alerts.on('stateChange', ({ rule, from, to, reason }) => log(`alert ${rule}: ${from} -> ${to} (${reason})`));

  // Three failed reads (two tries each, through the breaker) open it.
  for (let call = 0; call < 2; call++) {
    await retries.execute(() => breaker.execute(() => Promise.reject(new Error('ECONNRESET')))).catch(() => undefined);
  }
  const states: string[] = [];
  const evaluate = async () => {
    await alerts.evaluate();
    states.push(alerts.get('breaker-open')?.state ?? 'missing');
  };
  await evaluate(); // the breaker is open: pending
  await clock.sleep(forMs);
  await evaluate(); // still open after forMs: firing

  const text = await metrics.text();
  log(text.split('\n').filter((line) => line.startsWith('bulwark_') && !line.includes('_bucket') && !line.endsWith(' 0')).join('\n'));

  await clock.sleep(openMs); // the breaker lets a trial through, which succeeds
  await breaker.execute(() => Promise.resolve('ok'));
  await evaluate(); // closed again: resolved

  const rulesYaml = toPrometheusRules(alerts.list().map((s) => s.rule));
  log(rulesYaml);
  return { states, notifications: notifications.map((n) => n.status), text, rulesYaml };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
