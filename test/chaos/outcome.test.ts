/** chaos.outcome and chaos.behavior: a fake result instead of the call; a side effect before it. */
import { describe, expect, it } from 'vitest';
import { chaos, type OutcomeInjected } from '../../src/chaos/index.js';

describe('chaos.outcome', () => {
  it('returns the fake value without running the call, and reports it', async () => {
    const policy = chaos.outcome({ value: { bids: [], asks: [] }, injectionRate: 1 });
    const seen: Array<OutcomeInjected & { attempt: number }> = [];
    policy.on('injected', (e) => seen.push(e));
    let ran = false;
    expect(await policy.execute(() => ((ran = true), { bids: [[1, 1]], asks: [] }))).toEqual({ bids: [], asks: [] });
    expect(ran).toBe(false);
    expect(seen).toEqual([{ kind: 'outcome', result: { bids: [], asks: [] }, attempt: 1 }]);
  });

  it('makes the fake per call with fn (awaited), and fails the call when fn rejects', async () => {
    const made = chaos.outcome({ fn: async ({ context }) => ({ status: 503, attempt: context.attempt }), injectionRate: 1 });
    expect(await made.execute(() => ({ status: 200, attempt: 0 }))).toEqual({ status: 503, attempt: 1 });
    const broken = chaos.outcome({ fn: () => Promise.reject(new Error('no fake today')), injectionRate: 1 });
    await expect(broken.execute(() => 1)).rejects.toThrow('no fake today');
  });

  it('takes `value: undefined` as a value, and refuses both or neither of value and fn', async () => {
    expect(await chaos.outcome({ value: undefined, injectionRate: 1 }).execute(() => 'real')).toBeUndefined();
    expect(() => chaos.outcome({ value: 1, fn: () => 2 })).toThrow('chaos.outcome: give either `value` or `fn`, not both');
    expect(() => chaos.outcome({})).toThrow('chaos.outcome: give `value` (the fake result) or `fn` ({ context } => fake result)');
  });
});

describe('chaos.behavior', () => {
  it('runs the side effect first, awaited, then the call', async () => {
    const order: string[] = [];
    const policy = chaos.behavior({
      injectionRate: 1,
      fn: async () => {
        await Promise.resolve();
        order.push('behavior');
      },
    });
    const kinds: string[] = [];
    policy.on('injected', (e) => kinds.push(e.kind));
    expect(await policy.execute(() => (order.push('call'), 'done'))).toBe('done');
    expect(order).toEqual(['behavior', 'call']);
    expect(kinds).toEqual(['behavior']);
  });

  it('fails the call with the side effect\'s error and does not run it', async () => {
    const policy = chaos.behavior({
      injectionRate: 1,
      fn: () => {
        throw new Error('connection dropped');
      },
    });
    let ran = false;
    await expect(policy.execute(() => (ran = true))).rejects.toThrow('connection dropped');
    expect(ran).toBe(false);
  });

  it('refuses a missing side effect, naming the field', () => {
    expect(() => chaos.behavior({} as { fn: () => void })).toThrow('chaos.behavior: fn must be a function, got undefined');
  });
});
