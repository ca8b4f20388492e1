/**
 * SLOs over a real recording (SQLite, ManualClock): error budget and burn rates, and the
 * multi-window burn-rate alerts evaluated by the alert engine over the SLO metric source.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { alertEngine } from '../../src/observe/alerts/engine.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import {
  AnalyticsReader,
  BURN_RATE_ALERTS,
  SLO_DEFAULTS,
  analyticsRecorder,
  burnFactor,
  sloAlertRules,
  sloEvaluator,
  sloMetricSource,
  type AnalyticsRecorder,
  type SloDefinition,
} from '../../src/analytics/index.js';

const MINUTE = 60_000;

describe('burn-rate factors', () => {
  it("are the SRE workbook's 14.4, 6, 3 and 1 for a 30-day window, scaled for others", () => {
    expect(BURN_RATE_ALERTS.map((a) => [a.alert, a.longWindowMs / MINUTE, a.shortWindowMs / MINUTE, burnFactor(a, 30)])).toEqual([
      ['page-1h', 60, 5, 14.4],
      ['page-6h', 360, 30, 6],
      ['ticket-1d', 1_440, 120, 3],
      ['ticket-3d', 4_320, 360, 1],
    ]);
    expect(BURN_RATE_ALERTS.map((a) => burnFactor(a, 28))).toEqual([13.44, 5.6, 2.8, 0.933333]);
  });
});

describe('SLOs over the recording', () => {
  let clock: ManualClock;
  let db: SqliteStorage;
  let recorder: AnalyticsRecorder;
  const availability: SloDefinition = { name: 'orders-available', dependency: 'orders', kind: 'availability', objectivePercent: 99, windowDays: 30 };
  const latency: SloDefinition = { name: 'orders-fast', dependency: 'orders', kind: 'latency', objectivePercent: 90, thresholdMs: 100, windowDays: 7 };

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    db = await sqliteStorage({ path: ':memory:', clock });
    recorder = analyticsRecorder({ storage: db, clock });
    await recorder.start();
  });
  afterEach(async () => {
    await recorder.stop();
    await db.close();
  });

  /**
   * `minutes` of traffic at `perMinute` calls, recorded in steps of `stepMinutes`: of each step's
   * calls, the first `failingShare` fail and the last `slowShare` take 250 ms (else 20 ms).
   */
  async function traffic(minutes: number, perMinute: number, failingShare: number, slowShare = 0, stepMinutes = 1): Promise<void> {
    const calls = perMinute * stepMinutes;
    for (let m = 0; m < minutes; m += stepMinutes) {
      for (let i = 0; i < calls; i++) recorder.record('orders', i < calls * failingShare ? 'failure' : 'success', i >= calls * (1 - slowShare) ? 250 : 20);
      await clock.advance(stepMinutes * MINUTE);
    }
    await recorder.flush();
  }

  async function evaluator(slos: SloDefinition[] = [availability, latency]) {
    return sloEvaluator({ reader: new AnalyticsReader(await recorder.bucketStore(), { clock }), slos, clock });
  }

  it('reports the SLI, the budget left and the burn rate of each window', async () => {
    await traffic(120, 100, 0); // two healthy hours
    await traffic(10, 100, 0.1, 0.2); // ten minutes with 10% failing and 20% slow
    const [avail, fast] = await (await evaluator()).statuses();
    expect(avail).toMatchObject({ totalCalls: 13_000, badCalls: 100, allowedBadCalls: 130 });
    expect(avail!.sliPercent).toBeCloseTo((100 * 12_900) / 13_000, 9);
    expect(avail!.budgetRemainingRatio).toBeCloseTo(1 - 100 / 130, 9);
    expect(avail!.burnRates['5m']).toBeCloseTo(10, 9); // 10% bad against a 1% budget
    expect(avail!.burnRates['1h']).toBeCloseTo(100 / 6_000 / 0.01, 9);
    expect(avail!.alerts.find((a) => a.alert === 'page-1h')).toMatchObject({ factor: 14.4, firing: false }); // the hour burns at 1.67x only
    // Latency: the successful calls, the slow ones above 100 ms: 200 of 12,900.
    expect(fast).toMatchObject({ totalCalls: 12_900, badCalls: 200, windowDays: 7 });
  });

  it('fires only the fast page through the alert engine when a burst burns the hour at 14.4x, and resolves when it stops', async () => {
    const slos = await evaluator([availability]);
    const engine = alertEngine({ source: sloMetricSource(slos, { clock, cacheMs: 0 }), clock });
    for (const rule of sloAlertRules(slos)) engine.add(rule);
    const firing = (): string[] => engine.active().filter((s) => s.state === 'firing').map((s) => s.rule.name);

    await traffic(3 * 1_440, 100, 0, 0, 5); // three healthy days
    await engine.evaluate();
    expect(firing()).toEqual([]);
    // Ten minutes all failing: 5 m burns at 100x, 1 h at 16.7x (page-1h: 16.7/14.4 >= 1), 6 h at 2.8x (< 6), 1 d at 0.7x.
    await traffic(10, 100, 1);
    await engine.evaluate();
    expect(firing()).toEqual(['slo-orders-available-page-1h']);
    const status = (await slos.statuses())[0]!;
    expect(status.alerts.map((a) => [a.alert, Number(a.ratio!.toFixed(3))])).toEqual([
      ['page-1h', Number((1_000 / 6_000 / 0.01 / 14.4).toFixed(3))],
      ['page-6h', Number((1_000 / 36_000 / 0.01 / 6).toFixed(3))],
      ['ticket-1d', Number((1_000 / 144_000 / 0.01 / 3).toFixed(3))],
      ['ticket-3d', Number((1_000 / 432_000 / 0.01 / 1).toFixed(3))],
    ]);
    // The burst is over: the 5 m window is clean, so the page resolves though the hour still holds it.
    await traffic(5, 100, 0);
    await engine.evaluate();
    expect(firing()).toEqual([]);
  });

  describe('the minimum-calls guard', () => {
    async function engineOver(slo: SloDefinition) {
      const slos = await evaluator([slo]);
      const engine = alertEngine({ source: sloMetricSource(slos, { clock, cacheMs: 0 }), clock });
      for (const rule of sloAlertRules(slos)) engine.add(rule);
      const firing = async (): Promise<string[]> => {
        await engine.evaluate();
        return engine
          .active()
          .filter((s) => s.state === 'firing')
          .map((s) => s.rule.name);
      };
      return { slos, engine, firing };
    }

    it('fires nothing on a handful of calls with one failure, and fires at the same error share over enough calls', async () => {
      expect(SLO_DEFAULTS.minimumCalls).toBe(100);
      const { slos, engine, firing } = await engineOver(availability);
      // Five calls, one failed: 20% against a 1% budget burns at 20x over every window, past every factor.
      await traffic(1, 5, 0.2);
      expect(await firing()).toEqual([]);
      const [few] = await slos.statuses();
      expect(few!.minimumCalls).toBe(100);
      expect(few!.calls['1h']).toBe(5);
      const page = few!.alerts.find((a) => a.alert === 'page-1h')!;
      expect(page).toMatchObject({ longWindowCalls: 5, enoughCalls: false, ratio: 0, firing: false });
      expect(page.longBurnRate).toBeCloseTo(20, 9); // the burn is there; too few calls to judge it
      // The engine still has a series to judge (0), so the rule is not "without data".
      expect(engine.get('slo-orders-available-page-1h')!.value).toBe(0);

      // 95 more calls at the same share (19 failed): 100 calls, 20 failed, and every alert fires.
      await traffic(1, 95, 0.2);
      expect(await firing()).toEqual(['page-1h', 'page-6h', 'ticket-1d', 'ticket-3d'].map((a) => `slo-orders-available-${a}`));
      const [enough] = await slos.statuses();
      expect(enough!.alerts.find((a) => a.alert === 'page-1h')).toMatchObject({ longWindowCalls: 100, enoughCalls: true, firing: true });
      expect(enough!.alerts.find((a) => a.alert === 'page-1h')!.ratio).toBeCloseTo(20 / 14.4, 9);
    });

    it("reads each alert's own long window: once the hour has too few calls the fast page is quiet while the slower alerts judge", async () => {
      const { slos, firing } = await engineOver(availability);
      await traffic(60, 5, 0); // an hour at 5 calls a minute: 300 calls
      await traffic(70, 0.1, 0, 0, 10); // then one call every ten minutes for 70 minutes
      // Two calls failing: the hour holds 7 calls (2 bad: 29% burns at 29x, past page-1h's 14.4), six hours 309 (0.65x).
      recorder.record('orders', 'failure', 20);
      recorder.record('orders', 'failure', 20);
      await clock.advance(MINUTE);
      await recorder.flush();
      const [status] = await slos.statuses();
      expect(status!.calls).toMatchObject({ '1h': 7, '6h': 309 });
      expect(status!.alerts.map((a) => [a.alert, a.enoughCalls])).toEqual([
        ['page-1h', false],
        ['page-6h', true],
        ['ticket-1d', true],
        ['ticket-3d', true],
      ]);
      const page = status!.alerts[0]!;
      expect(Math.min(page.longBurnRate!, page.shortBurnRate!) / page.factor).toBeGreaterThan(1.9); // would page without the guard
      expect(page.ratio).toBe(0);
      expect(await firing()).toEqual([]);
    });

    it('is set per SLO (0: judge any calls) and refused unless a whole number >= 0, naming the SLO and the key', async () => {
      const { firing } = await engineOver({ ...availability, minimumCalls: 5 });
      await traffic(1, 5, 0.2);
      expect(await firing()).toContain('slo-orders-available-page-1h');
      const reader = new AnalyticsReader(await recorder.bucketStore(), { clock });
      expect(() => sloEvaluator({ reader, slos: [{ ...availability, minimumCalls: 2.5 }] })).toThrow('slo "orders-available": minimumCalls must be an integer >= 0, got 2.5');
      expect(() => sloEvaluator({ reader, slos: [{ ...availability, minimumCalls: -1 }] })).toThrow(RangeError);
      expect((await sloEvaluator({ reader, slos: [{ ...availability, minimumCalls: 0 }], clock }).statuses())[0]!.alerts.every((a) => a.firing)).toBe(true);
    });
  });
});
