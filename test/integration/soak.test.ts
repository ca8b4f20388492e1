/**
 * The soak in two minutes: the demo with faster fault cycles (every scenario at half its length,
 * 6 s apart, so each runs at least once), judged on every invariant of docs/soak.md while it runs.
 * Runs on the wall clock on purpose: a soak measures the running system, not a policy.
 */
import { describe, expect, it } from 'vitest';
import { demoScenarios } from '../../src/demo/fault-injector.js';
import { runSoak } from '../../src/demo/soak/run-soak.js';

describe('soak (2 minutes, faster fault cycles)', () => {
  it('every invariant holds while the demo trades through every fault', async () => {
    const result = await runSoak({ minutes: 2, faultQuietMs: 6_000, faultScale: 0.5, sampleMs: 2_000 });
    // Every scenario ran: the run proves something about each fault.
    expect(String(result.figures.faultNames).split(', ').sort()).toEqual(demoScenarios.map((s) => s.name).sort());
    const failed = result.invariants.filter((i) => !i.ok).map((i) => ({ name: i.name, measured: i.measured, limit: i.limit, details: i.details }));
    expect(failed).toEqual([]);
    expect(result.ok).toBe(true);
  }, 200_000);

  it('a run ended early (Ctrl+C) judges what it recorded and stops the demo', async () => {
    const stop = new AbortController();
    const run = runSoak({ minutes: 60, sampleMs: 500, faultQuietMs: 0, signal: stop.signal });
    setTimeout(() => stop.abort(), 3_000);
    const result = await run;
    expect(result.minutes).toBeLessThan(1);
    expect(result.invariants.map((i) => i.name)).toContain('journal equals exchange');
    expect(Number(result.figures.samples)).toBeGreaterThan(1);
  }, 60_000);
});
