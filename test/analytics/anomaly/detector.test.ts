/**
 * The anomaly detector on seeded series: a latency step fires through the alert engine with the
 * baseline and the observed value on the alert; noise within the band and small absolute changes
 * do not; nothing is judged during the warm-up; a daily peak stops firing once its hour of the day
 * is learned; bad options are refused with the option named.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { seededRandom } from '../../../src/core/random.js';
import { AlertEngine } from '../../../src/observe/alerts/engine.js';
import type { Notification } from '../../../src/observe/alerts/channels.js';
import { postableAlerts } from '../../../src/observe/alerts/alertmanager.js';
import { ANOMALY_DETECTOR_DEFAULTS, anomalyAlertRules, anomalyDetector, anomalyMetricSource, type SeriesStateChange } from '../../../src/analytics/index.js';

const STEP_MS = 10_000;
const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

/** Normal-ish noise from a seeded generator: the sum of four uniforms, centred, scaled to `sd`. */
function noise(random: () => number, sd: number): number {
  return (random() + random() + random() + random() - 2) * sd * Math.sqrt(3);
}

function changes(detector: ReturnType<typeof anomalyDetector>): SeriesStateChange[] {
  const seen: SeriesStateChange[] = [];
  detector.on('stateChange', (c) => seen.push(c));
  return seen;
}

describe('anomaly detector', () => {
  it('fires on a step change in latency, with the baseline and the observed value on the alert', async () => {
    const clock = new ManualClock(START);
    const random = seededRandom(7);
    const detector = anomalyDetector({ clock, seasonality: 'none' });
    detector.add({ name: 'binance:orders latency', kind: 'latency' });
    const sent: Notification[] = [];
    const engine = new AlertEngine({ source: anomalyMetricSource(detector), clock, channels: [{ name: 'capture', send: async (n) => void sent.push(n) }] });
    for (const rule of anomalyAlertRules(detector)) engine.add(rule);

    let t = START;
    for (let i = 0; i < 90; i++, t += STEP_MS) detector.observe('binance:orders latency', { atMs: t, value: 120 + noise(random, 8) });
    await engine.evaluate();
    expect(engine.get('anomaly-binance_orders_latency')?.state).toBe('inactive');

    // Two slow points are not yet an episode; the third is.
    for (let i = 0; i < 2; i++, t += STEP_MS) detector.observe('binance:orders latency', { atMs: t, value: 900 + noise(random, 20) });
    expect(detector.status('binance:orders latency')).toMatchObject({ state: 'normal', consecutive: 2 });
    detector.observe('binance:orders latency', { atMs: t, value: 910 });
    const status = detector.status('binance:orders latency')!;
    expect(status).toMatchObject({ state: 'anomalous', consecutive: 3, observed: 910, band: 'recent' });
    expect(status.baseline).toBeGreaterThan(110);
    expect(status.baseline).toBeLessThan(130);

    await engine.evaluate();
    expect(engine.get('anomaly-binance_orders_latency')?.state).toBe('firing');
    const alert = sent[0]!.alerts[0]!;
    expect(alert.status).toBe('firing');
    expect(alert.annotations.observed).toBe('910ms');
    expect(Number.parseFloat(alert.annotations.baseline!)).toBeCloseTo(status.baseline!, 0);
    expect(alert.labels).toMatchObject({ series: 'binance:orders latency', kind: 'latency' });
    // Alertmanager receives the same annotations on its alert.
    expect(postableAlerts(alert, undefined, '')[0]!.annotations).toMatchObject({ observed: '910ms', baseline: alert.annotations.baseline });
  });

  it('stays quiet over long noise within the band, and over a change too small to matter', () => {
    const random = seededRandom(11);
    const detector = anomalyDetector({ clock: new ManualClock(START), seasonality: 'none' });
    detector.add({ name: 'noise', kind: 'latency' });
    detector.add({ name: 'tiny', kind: 'latency' });
    const seen = changes(detector);
    let t = START;
    // Six hours of 10 s points: 2,160 judgements of normal noise.
    for (let i = 0; i < 2_160; i++, t += STEP_MS) detector.observe('noise', { atMs: t, value: 200 + noise(random, 15) });
    // 1 ms -> 3 ms: thirty times the noise, but 2 ms is under latency's minAbsoluteChange (50 ms).
    for (let i = 0; i < 60; i++) detector.observe('tiny', { atMs: START + i * STEP_MS, value: 1 + noise(random, 0.05) });
    for (let i = 60; i < 90; i++) detector.observe('tiny', { atMs: START + i * STEP_MS, value: 3 });
    expect(seen.filter((c) => c.to === 'anomalous')).toEqual([]);
    expect(detector.status('tiny')!.score!).toBeGreaterThan(ANOMALY_DETECTOR_DEFAULTS.deviations);
  });

  it('judges nothing during the warm-up: not even a tenfold jump', async () => {
    const clock = new ManualClock(START);
    const detector = anomalyDetector({ clock, seasonality: 'none' });
    detector.add({ name: 'errors', kind: 'error-rate' });
    const engine = new AlertEngine({ source: anomalyMetricSource(detector), clock });
    for (const rule of anomalyAlertRules(detector)) engine.add(rule);
    const seen = changes(detector);
    for (let i = 0; i < ANOMALY_DETECTOR_DEFAULTS.minSamples; i++) {
      detector.observe('errors', { atMs: START + i * STEP_MS, value: i < 20 ? 0.01 : 0.6 });
      expect(detector.status('errors')!.state).toBe('warm-up');
      await engine.evaluate();
    }
    expect(engine.get('anomaly-errors')!.state).toBe('inactive');
    // In warm-up the series is served as 0 (a rule over a missing series cannot be told from a broken one), marked as warm-up.
    expect(await anomalyMetricSource(detector).read('bulwark_anomaly')).toEqual([expect.objectContaining({ value: 0, annotations: expect.objectContaining({ band: 'warm-up' }) })]);
    expect(await anomalyMetricSource(detector).read('bulwark_anomaly_score')).toEqual([]);
    expect(seen).toEqual([]);
    // The next point is judged.
    detector.observe('errors', { atMs: START + 30 * STEP_MS, value: 0.6 });
    expect(seen.map((c) => c.reason)).toEqual(['warm-up-ended']);
    // An hour without points empties the history: the series warms up again before judging.
    detector.observe('errors', { atMs: START + 3_600_000, value: 0.9 });
    expect(detector.status('errors')!.state).toBe('warm-up');
    expect(seen.map((c) => c.reason)).toEqual(['warm-up-ended', 'history-gap']);
  });

  it('stops firing at a daily peak once its hour of the day is learned', () => {
    const random = seededRandom(3);
    const detector = anomalyDetector({ clock: new ManualClock(START) });
    detector.add({ name: 'orders', kind: 'order-rate' });
    const anomaliesOnDay = [0, 0, 0, 0];
    detector.on('stateChange', (c) => {
      if (c.to === 'anomalous') anomaliesOnDay[Math.floor((c.status.atMs! - START) / 86_400_000)]! += 1;
    });
    // Four days; from 14:00 to 15:00 UTC (a session opening) orders run at three times the usual rate.
    for (let t = START; t < START + 4 * 86_400_000; t += STEP_MS) {
      const hour = new Date(t).getUTCHours();
      detector.observe('orders', { atMs: t, value: (hour === 14 ? 3 : 1) + noise(random, 0.08) });
    }
    // Days 1 and 2 fire at the opening (one earlier day is not yet a profile); from day 3 the hour is known.
    expect(anomaliesOnDay[0]).toBeGreaterThan(0);
    expect(anomaliesOnDay[1]).toBeGreaterThan(0);
    expect(anomaliesOnDay.slice(2)).toEqual([0, 0]);
  });

  it('still fires at the learned hour when the value leaves the seasonal band as well', () => {
    const detector = anomalyDetector({ clock: new ManualClock(START) });
    detector.add({ name: 'orders', kind: 'order-rate' });
    const random = seededRandom(5);
    let t = START;
    for (; t < START + 2 * 86_400_000 + 14 * 3_600_000; t += STEP_MS) detector.observe('orders', { atMs: t, value: 1 + noise(random, 0.08) });
    // Orders stop at 14:00 on day 3: far from both the recent and the seasonal baseline of 1/s.
    for (let i = 0; i < 3; i++, t += STEP_MS) detector.observe('orders', { atMs: t, value: 0 });
    expect(detector.status('orders')).toMatchObject({ state: 'anomalous', observed: 0 });
  });

  it('refuses bad options, naming the option', () => {
    expect(() => anomalyDetector({ deviations: 0 })).toThrow('anomalyDetector: deviations must be a finite number > 0, got 0');
    expect(() => anomalyDetector({ minSamples: 2 })).toThrow('anomalyDetector: minSamples must be an integer >= 3');
    expect(() => anomalyDetector({ consecutivePoints: 0 })).toThrow('anomalyDetector: consecutivePoints');
    expect(() => anomalyDetector({ seasonality: 'weekly' as never })).toThrow('anomalyDetector: seasonality');
    expect(() => anomalyDetector({ seasonDays: 3, keepDays: 2 })).toThrow('anomalyDetector: keepDays must be an integer >= 3');
    const detector = anomalyDetector();
    expect(() => detector.add({ name: 'x', kind: 'cpu' as never })).toThrow('anomalyDetector: series x: kind');
    expect(() => detector.add({ name: 'x', kind: 'latency', minAbsoluteChange: -1 })).toThrow('anomalyDetector: series x: minAbsoluteChange must be a finite number >= 0, got -1');
    expect(() => detector.add({ name: 'x', kind: 'latency', direction: 'sideways' as never })).toThrow('anomalyDetector: series x: direction');
    expect(() => detector.add({ name: '', kind: 'latency' })).toThrow('anomalyDetector: series.name');
    detector.add({ name: 'x', kind: 'latency' });
    expect(() => detector.add({ name: 'x', kind: 'latency' })).toThrow('series "x" already exists');
    expect(() => detector.observe('y', { atMs: 0, value: 1 })).toThrow('no series "y"');
  });
});
