import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { OrderRateRule } from '../../src/security/order-rate.js';
import { type AuditEntryLike, ChangeWindowRule, KillSwitchRelease, StateChangeBurst, inWindow } from '../../src/security/threat-rules.js';
import { NewTokenAddressRule, memoryTokenAddresses } from '../../src/security/token-addresses.js';

const change = (time: number, over: Partial<AuditEntryLike> = {}): AuditEntryLike => ({
  time,
  actor: 'ops-bot',
  actorKind: 'token',
  action: 'POST /api/breakers/:name/reset',
  outcome: 'success',
  tags: ['trading-control'],
  source: '10.0.0.7',
  ...over,
});

const DAY = 86_400_000;

describe('state-change-burst', () => {
  it('fires when one principal makes more than maxChanges changes within the window, once per window', () => {
    const rule = new StateChangeBurst({ maxChanges: 3, windowMs: 10_000 });
    const found = [0, 1_000, 2_000, 3_000, 4_000].map((t) => rule.observe(change(t)));
    expect(found.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(found[3]).toMatchObject({ rule: 'state-change-burst', actor: 'ops-bot', source: '10.0.0.7', detail: { changes: 4, maxChanges: 3 } });
    expect(found[4]).toBeUndefined();
  });

  it('does not fire for changes spread wider than the window, for several principals, for the system or for refused requests', () => {
    const rule = new StateChangeBurst({ maxChanges: 3, windowMs: 10_000 });
    const results = [
      ...[0, 4_000, 8_000, 12_000, 16_000, 20_000].map((t) => rule.observe(change(t))),
      ...['a', 'b', 'c', 'd'].map((actor) => rule.observe(change(30_000, { actor }))),
      ...[1, 2, 3, 4, 5].map((i) => rule.observe(change(40_000 + i, { actor: 'system', actorKind: 'system', action: 'breaker.stateChange' }))),
      ...[1, 2, 3, 4, 5].map((i) => rule.observe(change(50_000 + i, { actor: 'x', outcome: 'rejected' }))),
    ];
    expect(results.filter(Boolean)).toEqual([]);
  });
});

describe('kill-switch-release', () => {
  const halt = (t: number): AuditEntryLike => change(t, { actor: 'alice', action: 'POST /api/gate/halt' });
  const resume = (t: number): AuditEntryLike => change(t, { actor: 'mallory', action: 'POST /api/gate/resume' });

  it('fires when the kill switch is released within withinMs of the halt', () => {
    const rule = new KillSwitchRelease({ withinMs: 300_000 });
    expect(rule.observe(halt(0))).toBeUndefined();
    expect(rule.observe(resume(90_000))).toMatchObject({ rule: 'kill-switch-release', severity: 'critical', actor: 'mallory', detail: { haltedBy: 'alice', releasedAfterMs: 90_000 } });
  });

  it('does not fire for a release after the window, a refused release, or a resume with no halt', () => {
    const rule = new KillSwitchRelease({ withinMs: 300_000 });
    expect(rule.observe(resume(0))).toBeUndefined();
    rule.observe(halt(1_000));
    expect(rule.observe(change(2_000, { action: 'POST /api/gate/resume', outcome: 'rejected' }))).toBeUndefined();
    expect(rule.observe(resume(301_000))).toBeUndefined();
  });
});

describe('change-window', () => {
  // 2026-12-07 is a Monday.
  const monday = Date.UTC(2026, 11, 7);
  const rule = new ChangeWindowRule({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' });
  const ruleChange = (time: number): AuditEntryLike => change(time, { action: 'POST /api/alerts/rules', tags: ['configuration'] });

  it('fires for a configuration change outside the window: at night, at the weekend', () => {
    expect(rule.observe(ruleChange(monday + 3 * 3_600_000))).toMatchObject({ rule: 'change-window', actor: 'ops-bot', detail: { action: 'POST /api/alerts/rules' } });
    expect(rule.observe(ruleChange(monday - DAY + 12 * 3_600_000))).toBeDefined(); // Sunday noon
    expect(rule.observe(ruleChange(monday + 18 * 3_600_000))).toBeDefined(); // `to` is exclusive
  });

  it('does not fire inside the window, nor for changes that are not configuration', () => {
    expect(rule.observe(ruleChange(monday + 8 * 3_600_000))).toBeUndefined();
    expect(rule.observe(ruleChange(monday + 17 * 3_600_000 + 59 * 60_000))).toBeUndefined();
    expect(rule.observe(change(monday + 3 * 3_600_000))).toBeUndefined(); // a breaker reset at night is an operator's job
  });

  it('a window past midnight belongs to the day it starts', () => {
    const night = { days: ['fri' as const], from: '22:00', to: '06:00' };
    const friday = monday + 4 * DAY;
    expect(inWindow(friday + 23 * 3_600_000, night)).toBe(true);
    expect(inWindow(friday + DAY + 5 * 3_600_000, night)).toBe(true); // Saturday 05:00
    expect(inWindow(friday + 5 * 3_600_000, night)).toBe(false); // Friday 05:00 belongs to Thursday
    expect(() => new ChangeWindowRule({ from: '25:00' })).toThrow(/changeWindow: from/);
  });
});

describe('order-rate', () => {
  const MIN = 60_000;
  const steady = (rule: OrderRateRule, minutes: number, perMinute: number, start = 0): unknown[] => {
    const found: unknown[] = [];
    for (let m = 0; m < minutes; m++) for (let i = 0; i < perMinute; i++) found.push(rule.order(start + m * MIN + i * (MIN / perMinute)));
    return found.filter(Boolean);
  };

  it('fires in the minute the rate passes factor x the baseline, once', () => {
    const rule = new OrderRateRule({ factor: 5, minPerMinute: 20, warmupMinutes: 5 });
    expect(steady(rule, 10, 10)).toEqual([]);
    expect(rule.baselinePerMinute).toBeCloseTo(10);
    const found = steady(rule, 1, 80, 10 * MIN);
    expect(found).toEqual([expect.objectContaining({ rule: 'order-rate', detail: expect.objectContaining({ ordersThisMinute: 51 }) })]);
  });

  it('does not fire during the warm-up, under the minimum, or at a steady high rate', () => {
    expect(steady(new OrderRateRule({ factor: 2, minPerMinute: 5, warmupMinutes: 5 }), 1, 100)).toEqual([]);
    const quiet = new OrderRateRule({ factor: 2, minPerMinute: 30, warmupMinutes: 2 });
    steady(quiet, 5, 2);
    expect(steady(quiet, 1, 25, 5 * MIN)).toEqual([]); // 12x the baseline, under the minimum
    expect(steady(new OrderRateRule({ factor: 3, minPerMinute: 10, warmupMinutes: 2 }), 30, 200)).toEqual([]);
  });

  it('quiet minutes lower the baseline', () => {
    const rule = new OrderRateRule({ alpha: 0.5, warmupMinutes: 0 });
    steady(rule, 2, 8);
    expect(rule.baselinePerMinute).toBe(8);
    rule.order(5 * MIN); // minutes 2, 3, 4 empty
    expect(rule.baselinePerMinute).toBeCloseTo(8 * 0.5 ** 3);
  });
});

describe('new-token-address', () => {
  it('fires when a token is used from an address not seen for it within rememberMs', async () => {
    const clock = new ManualClock(0);
    const rule = new NewTokenAddressRule(memoryTokenAddresses(), { rememberMs: 7 * DAY, touchEveryMs: 3_600_000 });
    expect(await rule.use({ token: 'ci', source: '10.0.0.1', at: clock.now() })).toBeUndefined(); // the token's first address
    await clock.advance(DAY);
    expect(await rule.use({ token: 'ci', source: '10.0.0.1', at: clock.now() })).toBeUndefined();
    expect(await rule.use({ token: 'ci', source: '203.0.113.9', at: clock.now() })).toMatchObject({ rule: 'new-token-address', actor: 'ci', source: '203.0.113.9', detail: { firstUse: false } });
    expect(await rule.use({ token: 'ci', source: '203.0.113.9', at: clock.now() + 1 })).toBeUndefined();
  });

  it('an address forgotten after rememberMs is new again; another token is not affected', async () => {
    const rule = new NewTokenAddressRule(memoryTokenAddresses(), { rememberMs: 7 * DAY });
    await rule.use({ token: 'ci', source: 'a', at: 0 });
    await rule.use({ token: 'ci', source: 'b', at: 1 });
    expect(await rule.use({ token: 'other', source: 'b', at: 2 })).toBeUndefined();
    await rule.use({ token: 'ci', source: 'a', at: 6 * DAY });
    expect(await rule.use({ token: 'ci', source: 'b', at: 8 * DAY })).toMatchObject({ detail: { lastSeenFromAddress: 1 } });
  });

  it('reportFirstUse reports a token first address too', async () => {
    const rule = new NewTokenAddressRule(memoryTokenAddresses(), { reportFirstUse: true });
    expect(await rule.use({ token: 'ci', source: 'a', at: 0 })).toMatchObject({ detail: { firstUse: true } });
  });
});
