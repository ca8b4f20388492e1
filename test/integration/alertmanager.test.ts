/**
 * The Alertmanager channel against a real `prometheus-alertmanager` on a private port: alerts from
 * the engine arrive through the v2 API, are grouped by Alertmanager's route (by alertname here),
 * reach its webhook receiver as one group, and resolve when the engine resolves them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type AlertmanagerChannel, alertmanagerChannel } from '../../src/observe/alerts/alertmanager.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { type HttpReceiver, startReceiver } from '../support/http-receiver.js';
import { type RunningServer, probeTool, startAlertmanager } from '../support/prometheus.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('prometheus-alertmanager', () => probeTool('prometheus-alertmanager'));

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL?: string;
  status: { state: string };
}
interface AmGroup {
  labels: Record<string, string>;
  alerts: AmAlert[];
}
interface WebhookMessage {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

let dir: string;
let am: RunningServer | undefined;
let receiver: HttpReceiver | undefined;
let channel: AlertmanagerChannel | undefined;

describeWith(available, 'Alertmanager channel (real prometheus-alertmanager)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-am-'));
    receiver = await startReceiver();
    const config = [
      'route:',
      '  receiver: sink',
      "  group_by: ['alertname']",
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: sink',
      '    webhook_configs:',
      `      - url: ${receiver.url}/am`,
      '        send_resolved: true',
      '',
    ].join('\n');
    am = await startAlertmanager(dir, config);
  }, 30_000);

  afterAll(async () => {
    channel?.close();
    await am?.stop();
    await receiver?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('alerts arrive one per series, grouped by Alertmanager, and resolve', async () => {
    // Alertmanager runs on wall time. The engine's clock only moves when told, so it starts behind
    // wall time: an alert resolved "now" must not be in Alertmanager's future (it would keep the
    // later endsAt of the firing alert instead).
    const clock = new ManualClock(Date.now() - 10_000);
    const metrics = createMetrics({ defaultMetrics: false });
    channel = alertmanagerChannel({ url: am!.url, clock, generatorURL: 'http://ops.example/alerts' });
    const engine = new AlertEngine({ source: registrySource(metrics.registry), clock, channels: [channel], intervalMs: 1_000 });
    engine.add({ name: 'BreakerOpen', metric: 'bulwark_circuitbreaker_state', match: { state: 'open' }, by: ['name'], condition: '>=', threshold: 1, severity: 'critical', description: 'a breaker is open' });
    const alerts = async (): Promise<AmAlert[]> => ((await (await fetch(`${am!.url}/api/v2/alerts?active=true`)).json()) as AmAlert[]).filter((a) => a.labels.alertname === 'BreakerOpen');
    const names = async (): Promise<string[]> => (await alerts()).map((a) => a.labels.name!).sort();

    metrics.breakerState.set({ name: 'binance', state: 'open' }, 1);
    metrics.breakerState.set({ name: 'kraken', state: 'open' }, 1);
    await engine.evaluate();
    await expect.poll(names, { timeout: 10_000, interval: 100 }).toEqual(['binance', 'kraken']);
    const [first] = await alerts();
    expect(first).toMatchObject({
      labels: { alertname: 'BreakerOpen', severity: 'critical' },
      annotations: { description: 'a breaker is open', value: '1' },
      generatorURL: 'http://ops.example/alerts',
      status: { state: 'active' },
    });

    // Alertmanager grouped both into one group by alertname.
    const groups = (await (await fetch(`${am!.url}/api/v2/alerts/groups`)).json()) as AmGroup[];
    const group = groups.find((g) => g.labels.alertname === 'BreakerOpen');
    expect(group?.labels).toEqual({ alertname: 'BreakerOpen' });
    expect(group?.alerts.map((a) => a.labels.name).sort()).toEqual(['binance', 'kraken']);
    const messages = (): WebhookMessage[] => receiver!.received.map((r) => r.body as WebhookMessage);
    await expect.poll(() => messages().some((m) => m.status === 'firing' && m.alerts.length === 2), { timeout: 10_000, interval: 100 }).toBe(true);
    expect(messages().find((m) => m.status === 'firing')!.groupLabels).toEqual({ alertname: 'BreakerOpen' });

    // One breaker closes: its alert resolves, the other keeps firing.
    metrics.breakerState.set({ name: 'binance', state: 'open' }, 0);
    await clock.advance(1_000);
    await engine.evaluate();
    await expect.poll(names, { timeout: 10_000, interval: 100 }).toEqual(['kraken']);

    // The last one closes: nothing is active, and the receiver hears the group resolve.
    metrics.breakerState.set({ name: 'kraken', state: 'open' }, 0);
    await clock.advance(1_000);
    await engine.evaluate();
    await expect.poll(names, { timeout: 10_000, interval: 100 }).toEqual([]);
    await expect.poll(() => messages().some((m) => m.status === 'resolved' && m.alerts.every((a) => a.status === 'resolved')), { timeout: 10_000, interval: 100 }).toBe(true);
    expect(channel.firing.size).toBe(0);
  }, 40_000);
});
