import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toPromQL, toPrometheusRules } from '../../../src/observe/alerts/export.js';
import { parseAlertRule } from '../../../src/observe/alerts/rule.js';
import { webhookChannel } from '../../../src/observe/alerts/channels.js';
import { demoAlertRules } from '../../../src/demo/alert-rules.js';

describe('Prometheus rule export', () => {
  it('writes PromQL for value and rate rules', () => {
    expect(toPromQL(parseAlertRule({ name: 'open', metric: 'bulwark_circuitbreaker_state', match: { state: 'open' }, condition: '>', threshold: 0 }))).toBe(
      'max(bulwark_circuitbreaker_state{state="open"}) > 0',
    );
    expect(
      toPromQL(parseAlertRule({ name: 'r', metric: 'bulwark_orders_total', fn: 'rate', rangeMs: 300_000, aggregate: 'sum', condition: '>=', threshold: 2 })),
    ).toBe('sum(rate(bulwark_orders_total[5m])) >= 2');
    expect(toPromQL(parseAlertRule({ name: 'open', metric: 'bulwark_circuitbreaker_state', match: { state: 'open' }, by: ['name'], condition: '>=', threshold: 1 }))).toBe(
      'max by (name)(bulwark_circuitbreaker_state{state="open"}) >= 1',
    );
  });

  it('keeps the labels that say what is wrong in every demo rule', () => {
    for (const input of demoAlertRules) {
      const rule = parseAlertRule(input);
      if (rule.metric !== 'bulwark_health_score') expect(toPromQL(rule), rule.name).toMatch(/^\w+ by \(\w+\)\(/);
    }
  });

  it('writes a rule file with for, keep_firing_for, labels and annotations', () => {
    const yaml = toPrometheusRules([
      parseAlertRule({
        name: 'dlq',
        metric: 'bulwark_dlq_depth',
        condition: '>',
        threshold: 100,
        forMs: 120_000,
        keepFiringForMs: 30_000,
        severity: 'critical',
        description: 'Dead letters piling up',
        labels: { team: 'trading' },
      }),
    ]);
    const doc = parse(yaml) as { groups: Array<{ name: string; rules: Array<Record<string, unknown>> }> };
    expect(doc.groups[0]?.rules[0]).toEqual({
      alert: 'dlq',
      expr: 'max(bulwark_dlq_depth) > 100',
      for: '2m',
      keep_firing_for: '30s',
      labels: { severity: 'critical', team: 'trading' },
      annotations: { description: 'Dead letters piling up' },
    });
  });
});

describe('webhookChannel', () => {
  it('posts Slack-compatible JSON and fails on a non-2xx answer', async () => {
    const bodies: unknown[] = [];
    let status = 200;
    const channel = webhookChannel({
      url: 'http://127.0.0.1:9/hook',
      format: 'slack',
      fetch: (async (_url: string, init: { body: string }) => {
        bodies.push(JSON.parse(init.body));
        return new Response(null, { status });
      }) as unknown as typeof fetch,
    });
    const notification = {
      groupKey: 'severity=critical',
      status: 'firing' as const,
      repeat: false,
      alerts: [{ rule: 'dlq', severity: 'critical' as const, status: 'firing' as const, value: 3, description: 'deep', labels: {}, annotations: {}, firingAt: 0 }],
    };
    await channel.send(notification);
    expect((bodies[0] as { text: string }).text).toContain('[CRITICAL] dlq firing: deep');
    status = 500;
    await expect(channel.send(notification)).rejects.toThrow(/HTTP 500/);
  });

  it('rejects a bad URL, naming it', () => {
    expect(() => webhookChannel({ url: 'not a url' })).toThrow(/url/);
    expect(() => webhookChannel({ url: 'ftp://x/y' })).toThrow(/http/);
  });
});
