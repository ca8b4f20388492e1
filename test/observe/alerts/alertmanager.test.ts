/** The Alertmanager channel's v2 payloads and resends, against a local HTTP receiver. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { alertmanagerChannel, postableAlerts } from '../../../src/observe/alerts/alertmanager.js';
import type { AlertNotice } from '../../../src/observe/alerts/channels.js';
import { type HttpReceiver, startReceiver } from '../../support/http-receiver.js';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

const at = Date.UTC(2026, 0, 2, 3, 4, 5);
const notice: AlertNotice = {
  rule: 'BreakerOpen',
  severity: 'critical',
  status: 'firing',
  value: 1,
  description: 'open',
  labels: { team: 'trading' },
  series: [
    { labels: { name: 'binance' }, value: 1 },
    { labels: { name: 'kraken' }, value: 1 },
  ],
  annotations: { runbook: 'https://runbooks.example/breaker' },
  firingAt: at,
};

describe('alertmanagerChannel', () => {
  it('makes one postable alert per series with alertname, severity, the rule and series labels', () => {
    expect(postableAlerts(notice, at + 240_000, 'http://ops')[1]).toEqual({
      labels: { team: 'trading', name: 'kraken', alertname: 'BreakerOpen', severity: 'critical' },
      annotations: { description: 'open', runbook: 'https://runbooks.example/breaker', value: '1' },
      startsAt: '2026-01-02T03:04:05.000Z',
      endsAt: '2026-01-02T03:08:05.000Z',
      generatorURL: 'http://ops',
    });
  });

  it('posts to /api/v2/alerts, re-sends firing alerts every resendMs, and sends resolved ones with endsAt', async () => {
    receiver = await startReceiver();
    const clock = new ManualClock(at);
    const channel = alertmanagerChannel({ url: `${receiver.url}/am/`, clock, resendMs: 60_000 });
    await channel.send({ groupKey: 'g', status: 'firing', repeat: false, alerts: [notice] });
    expect(receiver.received[0]!.path).toBe('/am/api/v2/alerts');
    expect((receiver.received[0]!.body as Array<{ endsAt: string }>).map((a) => a.endsAt)).toEqual(['2026-01-02T03:08:05.000Z', '2026-01-02T03:08:05.000Z']);
    await clock.advance(60_000);
    await expect.poll(() => receiver!.received.length, { timeout: 5_000, interval: 10 }).toBe(2);
    expect((receiver.received[1]!.body as Array<{ endsAt: string }>)[0]!.endsAt).toBe('2026-01-02T03:09:05.000Z');
    await channel.send({ groupKey: 'g', status: 'resolved', repeat: false, alerts: [{ ...notice, status: 'resolved', resolvedAt: at + 90_000 }] });
    expect((receiver.received[2]!.body as Array<{ endsAt: string }>).map((a) => a.endsAt)).toEqual(['2026-01-02T03:05:35.000Z', '2026-01-02T03:05:35.000Z']);
    expect(clock.pendingTimers).toBe(0);
    channel.close();
  });

  it('resolves the series that dropped out of a firing alert', async () => {
    receiver = await startReceiver();
    const clock = new ManualClock(at);
    const channel = alertmanagerChannel({ url: receiver.url, clock });
    await channel.send({ groupKey: 'g', status: 'firing', repeat: false, alerts: [notice] });
    await clock.advance(1_000);
    await channel.send({ groupKey: 'g', status: 'firing', repeat: false, alerts: [{ ...notice, series: [notice.series![1]!] }] });
    const second = receiver.received[1]!.body as Array<{ labels: { name: string }; endsAt: string }>;
    expect(second.map((a) => [a.labels.name, a.endsAt])).toEqual([
      ['kraken', '2026-01-02T03:08:06.000Z'],
      ['binance', '2026-01-02T03:04:06.000Z'],
    ]);
    channel.close();
  });

  it('rejects a bad URL or resend period, naming it, without echoing the URL', () => {
    expect(() => alertmanagerChannel({ url: 'http//token@x' })).toThrow(/alertmanagerChannel: url is not a valid URL$/);
    expect(() => alertmanagerChannel({ url: 'http://am:9093', resendMs: 0 })).toThrow(/resendMs/);
  });
});
