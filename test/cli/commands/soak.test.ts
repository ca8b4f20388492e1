import { describe, expect, it } from 'vitest';
import { EXIT_SOAK_ERROR, EXIT_SOAK_FAILED, runSoakCommand } from '../../../src/cli/commands/soak.js';
import type { SoakOptions } from '../../../src/demo/soak/run-soak.js';
import type { SoakResult } from '../../../src/demo/soak/verdict.js';

const result = (ok: boolean): SoakResult => ({
  ok,
  startedAt: 0,
  endedAt: 120_000,
  minutes: 2,
  invariants: [{ name: 'journal equals exchange', ok, measured: ok ? '0 orders differed' : '3 orders differed', limit: '0', details: ok ? [] : ['c-1: journal OPEN, exchange FILLED, for 12000 ms'] }],
  figures: { ordersOnExchange: 200 },
});

function run(options: Parameters<typeof runSoakCommand>[0], verdict: SoakResult) {
  const out: string[] = [];
  const err: string[] = [];
  const seen: SoakOptions[] = [];
  const done = runSoakCommand({ ...options, out: (l) => out.push(l), err: (l) => err.push(l), run: async (o) => (seen.push(o), verdict) });
  return { done, out, err, seen };
}

describe('bulwark soak', () => {
  it('passes the options on and exits 0 with a table when every invariant held', async () => {
    const { done, out, seen } = run({ minutes: '2', faultQuietMs: '6000', faultScale: '0.5', sampleMs: '2000' }, result(true));
    expect(await done).toBe(0);
    expect(seen[0]).toMatchObject({ minutes: 2, faultQuietMs: 6_000, faultScale: 0.5, sampleMs: 2_000 });
    expect(out.join('\n')).toMatch(/journal equals exchange\s+ok\s+0 orders differed/);
  });

  it('exits 1 when an invariant failed, and --json prints the verdict as JSON', async () => {
    const { done, out } = run({ json: true }, result(false));
    expect(await done).toBe(EXIT_SOAK_FAILED);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ ok: false, invariants: [{ name: 'journal equals exchange', ok: false }] });
  });

  it('the table shows what failed with its evidence', async () => {
    const { done, out } = run({}, result(false));
    expect(await done).toBe(EXIT_SOAK_FAILED);
    expect(out.join('\n')).toContain('journal equals exchange  FAILED  3 orders differed');
    expect(out.join('\n')).toContain('    c-1: journal OPEN, exchange FILLED, for 12000 ms');
  });

  it('a bad option is named and exits 2 without running', async () => {
    const { done, err, seen } = run({ minutes: '0' }, result(true));
    expect(await done).toBe(EXIT_SOAK_ERROR);
    expect(err).toContain('bulwark soak: --minutes must be a finite number > 0, got 0');
    expect(seen).toEqual([]);
  });
});
