/**
 * Slack and Discord incoming-webhook bodies, posted to a local HTTP receiver: the exact shape each
 * service accepts, and delivery through the engine's retry when the receiver fails once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { discordChannel, slackChannel, type Notification } from '../../../src/observe/alerts/channels.js';
import { AlertEngine } from '../../../src/observe/alerts/engine.js';
import { registrySource } from '../../../src/observe/alerts/source.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { type HttpReceiver, startReceiver } from '../../support/http-receiver.js';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const at = Date.UTC(2026, 0, 2, 3, 4, 5);
const firing: Notification = {
  groupKey: 'severity=critical',
  status: 'firing',
  repeat: false,
  alerts: [
    {
      rule: 'BreakerOpen',
      severity: 'critical',
      status: 'firing',
      value: 1,
      description: 'A circuit breaker is open',
      labels: { team: 'trading' },
      series: [{ labels: { name: 'binance' }, value: 1 }],
      annotations: {},
      firingAt: at,
    },
  ],
};

describe('chat webhook formats', () => {
  it('Slack: text plus one attachment per alert with colour, fields and time', async () => {
    receiver = await startReceiver();
    await slackChannel({ url: `${receiver.url}/services/T/B/X` }).send(firing);
    expect(receiver.received).toEqual([
      {
        path: '/services/T/B/X',
        body: {
          text: '🔥 [CRITICAL] BreakerOpen firing (name=binance): A circuit breaker is open (value 1)',
          attachments: [
            {
              color: 'danger',
              title: '[FIRING] BreakerOpen',
              text: 'A circuit breaker is open',
              fields: [
                { title: 'severity', value: 'critical', short: true },
                { title: 'value', value: '1', short: true },
                { title: 'series', value: 'name=binance', short: true },
                { title: 'team', value: 'trading', short: true },
              ],
              ts: at / 1_000,
            },
          ],
        },
      },
    ]);
  });

  it('Discord: content plus one embed per alert; resolved alerts are green with their end time', async () => {
    receiver = await startReceiver();
    const resolved: Notification = { ...firing, status: 'resolved', alerts: [{ ...firing.alerts[0]!, status: 'resolved', resolvedAt: at + 60_000 }] };
    await discordChannel({ url: `${receiver.url}/api/webhooks/1/abc` }).send(resolved);
    expect(receiver.received[0]!.body).toEqual({
      content: '✅ [CRITICAL] BreakerOpen resolved (name=binance): A circuit breaker is open (value 1)',
      embeds: [
        {
          title: '[RESOLVED] BreakerOpen',
          description: 'A circuit breaker is open',
          color: 0x2eb67d,
          fields: [
            { name: 'severity', value: 'critical', inline: true },
            { name: 'value', value: '1', inline: true },
            { name: 'series', value: 'name=binance', inline: true },
            { name: 'team', value: 'trading', inline: true },
          ],
          timestamp: '2026-01-02T03:05:05.000Z',
        },
      ],
    });
  });

  it('Discord: at most 10 embeds and 2,000 characters of content', async () => {
    receiver = await startReceiver();
    const many: Notification = { ...firing, alerts: Array.from({ length: 30 }, (_, i) => ({ ...firing.alerts[0]!, rule: `Rule${i}`, description: 'x'.repeat(100) })) };
    await discordChannel({ url: `${receiver.url}/hook` }).send(many);
    const body = receiver.received[0]!.body as { content: string; embeds: unknown[] };
    expect(body.embeds).toHaveLength(10);
    expect(body.content.length).toBe(2_000);
  });

  it('a receiver that fails once gets the notification again through the retry policy', async () => {
    receiver = await startReceiver();
    receiver.status = 500;
    const clock = new ManualClock(at);
    const metrics = createMetrics({ defaultMetrics: false });
    const engine = new AlertEngine({ source: registrySource(metrics.registry), clock, channels: [slackChannel({ url: `${receiver.url}/hook` })] });
    const failed: unknown[] = [];
    engine.on('notifyFailed', (e) => failed.push(e));
    engine.add({ name: 'HealthScoreLow', metric: 'bulwark_health_score', condition: '<', threshold: 80 });
    metrics.healthScore.set(40);
    const evaluation = engine.evaluate();
    // The first answer is 500; the retry waits 250 ms on the engine's clock.
    await expect.poll(() => clock.pendingTimers, { timeout: 5_000, interval: 10 }).toBe(1);
    receiver.status = 200;
    await clock.advance(250);
    await evaluation;
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toEqual(receiver.received[0]!.body);
    expect(failed).toEqual([]);
  });
});
