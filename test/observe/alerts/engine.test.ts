import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import type { Notification, NotificationChannel } from '../../../src/observe/alerts/channels.js';
import { AlertEngine } from '../../../src/observe/alerts/engine.js';
import { memoryAlertHistory } from '../../../src/observe/alerts/history.js';
import { registrySource } from '../../../src/observe/alerts/source.js';
import { createMetrics } from '../../../src/observe/metrics.js';

function setup(options: { repeatIntervalMs?: number; channel?: NotificationChannel } = {}) {
  const clock = new ManualClock(1_000_000);
  const metrics = createMetrics({ defaultMetrics: false });
  const sent: Notification[] = [];
  const channel: NotificationChannel = options.channel ?? { name: 'memory', send: async (n) => void sent.push(n) };
  const history = memoryAlertHistory();
  const engine = new AlertEngine({
    source: registrySource(metrics.registry),
    clock,
    channels: [channel],
    history,
    intervalMs: 1_000,
    repeatIntervalMs: options.repeatIntervalMs ?? 3_600_000,
  });
  return { clock, metrics, engine, sent, history };
}

describe('AlertEngine', () => {
  it('moves inactive -> pending -> firing after `forMs`, and notifies once when it fires', async () => {
    const { clock, metrics, engine, sent } = setup();
    engine.add({ name: 'dlq-deep', metric: 'bulwark_dlq_depth', condition: '>', threshold: 10, forMs: 5_000, severity: 'critical' });
    metrics.dlqDepth.set({ queue: 'orders' }, 50);
    expect((await engine.evaluate()).map((t) => t.to)).toEqual(['pending']);
    await clock.advance(4_000);
    expect(await engine.evaluate()).toEqual([]);
    expect(engine.get('dlq-deep')?.state).toBe('pending');
    await clock.advance(1_000);
    expect((await engine.evaluate()).map((t) => t.to)).toEqual(['firing']);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.status).toBe('firing');
    expect(sent[0]?.alerts[0]).toMatchObject({ rule: 'dlq-deep', severity: 'critical', value: 50 });
    await engine.evaluate();
    expect(sent).toHaveLength(1);
  });

  it('a pending alert whose condition clears goes back to inactive without notifying', async () => {
    const { metrics, engine, sent } = setup();
    engine.add({ name: 'x', metric: 'bulwark_dlq_depth', condition: '>', threshold: 10, forMs: 5_000 });
    metrics.dlqDepth.set({ queue: 'q' }, 11);
    await engine.evaluate();
    metrics.dlqDepth.set({ queue: 'q' }, 0);
    expect((await engine.evaluate()).map((t) => t.to)).toEqual(['inactive']);
    expect(sent).toHaveLength(0);
  });

  it('keepFiringForMs holds a firing alert through a brief dip (no flapping), then resolves', async () => {
    const { clock, metrics, engine, sent } = setup();
    engine.add({ name: 'open', metric: 'bulwark_health_score', condition: '<', threshold: 50, keepFiringForMs: 10_000 });
    metrics.healthScore.set(20);
    await engine.evaluate();
    metrics.healthScore.set(80);
    await clock.advance(5_000);
    await engine.evaluate();
    metrics.healthScore.set(20);
    await clock.advance(1_000);
    await engine.evaluate();
    expect(engine.get('open')?.state).toBe('firing');
    expect(sent.map((n) => n.status)).toEqual(['firing']);
    metrics.healthScore.set(80);
    await engine.evaluate();
    await clock.advance(9_999);
    await engine.evaluate();
    expect(engine.get('open')?.state).toBe('firing');
    await clock.advance(1);
    // Resolved is the reason of the change back to inactive, not a state.
    expect((await engine.evaluate()).map((t) => [t.from, t.to, t.reason])).toEqual([['firing', 'inactive', 'resolved']]);
    expect(engine.get('open')?.state).toBe('inactive');
    expect(sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });

  it('matches labels and aggregates series', async () => {
    const { metrics, engine } = setup();
    engine.add({ name: 'sum', metric: 'bulwark_dlq_depth', aggregate: 'sum', condition: '>=', threshold: 10 });
    engine.add({ name: 'only-a', metric: 'bulwark_dlq_depth', match: { queue: 'a' }, condition: '>=', threshold: 10 });
    metrics.dlqDepth.set({ queue: 'a' }, 4);
    metrics.dlqDepth.set({ queue: 'b' }, 6);
    await engine.evaluate();
    expect(engine.get('sum')?.state).toBe('firing');
    expect(engine.get('sum')?.value).toBe(10);
    expect(engine.get('only-a')?.state).toBe('inactive');
    expect(engine.get('only-a')?.value).toBe(4);
  });

  it('aggregates by labels: one series per breaker, and the alert names the ones that hold', async () => {
    const { metrics, engine, sent } = setup();
    engine.add({ name: 'open', metric: 'bulwark_circuitbreaker_state', match: { state: 'open' }, by: ['name'], condition: '>=', threshold: 1 });
    metrics.breakerState.set({ name: 'binance', state: 'open' }, 1);
    metrics.breakerState.set({ name: 'kraken', state: 'open' }, 0);
    metrics.breakerState.set({ name: 'binance', state: 'closed' }, 0);
    await engine.evaluate();
    expect(engine.get('open')).toMatchObject({ state: 'firing', value: 1, series: [{ labels: { name: 'binance' }, value: 1 }] });
    expect(sent[0]!.alerts[0]!.series).toEqual([{ labels: { name: 'binance' }, value: 1 }]);
    metrics.breakerState.set({ name: 'kraken', state: 'open' }, 1);
    await engine.evaluate();
    expect(engine.get('open')!.series.map((s) => s.labels.name).sort()).toEqual(['binance', 'kraken']);
    metrics.breakerState.set({ name: 'binance', state: 'open' }, 0);
    metrics.breakerState.set({ name: 'kraken', state: 'open' }, 0);
    await engine.evaluate();
    expect(engine.get('open')).toMatchObject({ state: 'inactive', series: [] });
  });

  it('matches a missing label as the empty string, as Prometheus does', async () => {
    const { metrics, engine } = setup();
    engine.add({ name: 'no-queue', metric: 'bulwark_health_score', match: { queue: '' }, condition: '<', threshold: 80 });
    metrics.healthScore.set(40);
    await engine.evaluate();
    expect(engine.get('no-queue')?.state).toBe('firing');
  });

  it('rate() by labels keeps readings per series', async () => {
    const { clock, metrics, engine } = setup();
    engine.add({ name: 'unknown', metric: 'bulwark_orders_total', match: { outcome: 'unknown' }, fn: 'rate', aggregate: 'sum', by: ['exchange'], rangeMs: 30_000, condition: '>', threshold: 0 });
    for (const exchange of ['a', 'b']) metrics.orders.inc({ exchange, outcome: 'unknown' }, 0);
    await engine.evaluate();
    await clock.advance(2_000);
    metrics.orders.inc({ exchange: 'b', outcome: 'unknown' });
    await engine.evaluate();
    expect(engine.get('unknown')).toMatchObject({ state: 'firing', series: [{ labels: { exchange: 'b' }, value: 0.5 }] });
  });

  it('rate() compares the per-second increase of a counter', async () => {
    const { clock, metrics, engine } = setup();
    engine.add({ name: 'orders-rejected', metric: 'bulwark_orders_total', match: { outcome: 'rejected' }, fn: 'rate', rangeMs: 10_000, condition: '>', threshold: 1 });
    metrics.orders.inc({ exchange: 'x', outcome: 'rejected' }, 0);
    await engine.evaluate();
    await clock.advance(5_000);
    metrics.orders.inc({ exchange: 'x', outcome: 'rejected' }, 5);
    await engine.evaluate();
    expect(engine.get('orders-rejected')?.value).toBe(1);
    expect(engine.get('orders-rejected')?.state).toBe('inactive');
    await clock.advance(5_000);
    metrics.orders.inc({ exchange: 'x', outcome: 'rejected' }, 15);
    await engine.evaluate();
    expect(engine.get('orders-rejected')?.value).toBe(2);
    expect(engine.get('orders-rejected')?.state).toBe('firing');
  });

  it('groups alerts of one severity into one notification and repeats after the interval', async () => {
    const { clock, metrics, engine, sent } = setup({ repeatIntervalMs: 60_000 });
    engine.add({ name: 'a', metric: 'bulwark_health_score', condition: '<', threshold: 50, severity: 'critical' });
    engine.add({ name: 'b', metric: 'bulwark_health_score', condition: '<', threshold: 60, severity: 'critical' });
    engine.add({ name: 'c', metric: 'bulwark_health_score', condition: '<', threshold: 70, severity: 'info' });
    metrics.healthScore.set(10);
    await engine.evaluate();
    expect(sent).toHaveLength(2);
    const critical = sent.find((n) => n.groupKey === 'severity=critical');
    expect(critical?.alerts.map((a) => a.rule).sort()).toEqual(['a', 'b']);
    await clock.advance(59_999);
    await engine.evaluate();
    expect(sent).toHaveLength(2);
    await clock.advance(1);
    await engine.evaluate();
    expect(sent).toHaveLength(4);
    expect(sent.slice(2).every((n) => n.repeat)).toBe(true);
  });

  it('records transitions in the history, newest first', async () => {
    const { metrics, engine, history } = setup();
    engine.add({ name: 'h', metric: 'bulwark_health_score', condition: '<', threshold: 50 });
    metrics.healthScore.set(10);
    await engine.evaluate();
    metrics.healthScore.set(90);
    await engine.evaluate();
    const events = (await history.list({ rule: 'h' })).map((e) => e.event);
    expect(events).toEqual(['notified', 'resolved', 'notified', 'firing']);
  });

  it('a failing channel is retried, then the failure is emitted and recorded, never dropped silently', async () => {
    let tries = 0;
    const { clock, metrics, engine, history } = setup({
      channel: {
        name: 'broken',
        send: async () => {
          tries++;
          throw new Error('HTTP 500');
        },
      },
    });
    const failures: string[] = [];
    engine.on('notifyFailed', ({ channel }) => failures.push(channel));
    engine.add({ name: 'f', metric: 'bulwark_health_score', condition: '<', threshold: 50 });
    metrics.healthScore.set(1);
    const run = engine.evaluate();
    await clock.advance(10_000);
    await run;
    expect(tries).toBe(3);
    expect(failures).toEqual(['broken']);
    const failed = (await history.list()).find((e) => e.event === 'notify-failed');
    expect(failed?.detail).toContain('HTTP 500');
  });

  it('validates rules: the error names the field; duplicate names are refused', () => {
    const { engine } = setup();
    expect(() => engine.add({ name: 'ok', metric: 'm', condition: '>>', threshold: 1 })).toThrow(/condition/);
    expect(() => engine.add({ name: '1bad', metric: 'm', condition: '>', threshold: 1 })).toThrow(/name/);
    expect(() => engine.add({ name: 'ok', metric: 'm', condition: '>', threshold: 'x' })).toThrow(/threshold/);
    expect(() => engine.add({ name: 'ok', metric: 'm', condition: '>', threshold: 1, extra: true })).toThrow(/extra|unrecognized/i);
    engine.add({ name: 'ok', metric: 'm', condition: '>', threshold: 1 });
    expect(() => engine.add({ name: 'ok', metric: 'm', condition: '>', threshold: 1 })).toThrow(/already exists/);
  });

  it('rejects a deliveryAttempts that is not a positive integer, naming it', () => {
    const metrics = createMetrics({ defaultMetrics: false });
    expect(() => new AlertEngine({ source: registrySource(metrics.registry), deliveryAttempts: 0 })).toThrow('alertEngine: deliveryAttempts must be an integer >= 1, got 0');
  });

  it('update and remove', async () => {
    const { metrics, engine } = setup();
    engine.add({ name: 'u', metric: 'bulwark_health_score', condition: '<', threshold: 50 });
    metrics.healthScore.set(60);
    await engine.evaluate();
    expect(engine.get('u')?.state).toBe('inactive');
    engine.update('u', { threshold: 70 });
    await engine.evaluate();
    expect(engine.get('u')?.state).toBe('firing');
    expect(engine.remove('u')).toBe(true);
    expect(engine.list()).toEqual([]);
    expect(() => engine.update('u', {})).toThrow(/does not exist/);
  });

  it('start() evaluates on the interval of the injected clock; stop() ends it', async () => {
    const { clock, metrics, engine } = setup();
    engine.add({ name: 's', metric: 'bulwark_health_score', condition: '<', threshold: 50 });
    metrics.healthScore.set(10);
    engine.start();
    expect(engine.get('s')?.state).toBe('inactive');
    await clock.advance(1_000);
    expect(engine.get('s')?.state).toBe('firing');
    engine.stop();
    metrics.healthScore.set(90);
    await clock.advance(5_000);
    expect(engine.get('s')?.state).toBe('firing');
  });

  it('a history that fails to write is reported, and the alert still fires and notifies', async () => {
    const clock = new ManualClock();
    const metrics = createMetrics({ defaultMetrics: false });
    const sent: Notification[] = [];
    const engine = new AlertEngine({
      source: registrySource(metrics.registry),
      clock,
      channels: [{ name: 'memory', send: async (n) => void sent.push(n) }],
      history: {
        record: () => Promise.reject(new Error('disk full')),
        list: () => [],
      },
    });
    const failures: string[] = [];
    engine.on('historyFailed', ({ entry, error }) => failures.push(`${entry.event}: ${(error as Error).message}`));
    engine.add({ name: 'x', metric: 'bulwark_health_score', condition: '<', threshold: 50 });
    metrics.healthScore.set(1);
    expect((await engine.evaluate()).map((t) => t.to)).toEqual(['firing']);
    expect(sent).toHaveLength(1);
    expect(failures).toEqual(['firing: disk full', 'notified: disk full']);
  });
});
