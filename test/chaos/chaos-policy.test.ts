/**
 * What every chaos policy shares, shown through chaos.fault: the injection rate (exact counts for
 * a fixed seed), the enable switch flipped while calls run, an `enabled` function, and the events.
 */
import { describe, expect, it } from 'vitest';
import { CHAOS_DEFAULTS, chaos, type ChaosStateChange, type FaultInjected } from '../../src/chaos/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';

const boom = new Error('injected');

/** Runs `calls` calls through `policy` and counts those that failed with the injected error. */
async function countInjected(policy: { execute(fn: () => number): Promise<number> }, calls: number): Promise<{ injected: number; ran: number }> {
  let injected = 0;
  let ran = 0;
  for (let i = 0; i < calls; i++) {
    await policy.execute(() => ++ran).catch((error: unknown) => {
      if (error !== boom) throw error;
      injected += 1;
    });
  }
  return { injected, ran };
}

describe('chaos policies: injection rate', () => {
  it('injects into exactly the calls the seeded random picks (seed 42, rate 0.1: 1031 of 10,000)', async () => {
    const policy = chaos.fault({ fault: boom, injectionRate: 0.1, random: seededRandom(42) });
    const { injected, ran } = await countInjected(policy, 10_000);
    expect(injected).toBe(1031);
    expect(ran).toBe(10_000 - 1031);
  });

  it('draws the same calls again with the same seed, other calls with another (seed 7, rate 0.5: 460 of 1,000)', async () => {
    expect((await countInjected(chaos.fault({ fault: boom, injectionRate: 0.5, random: seededRandom(7) }), 1_000)).injected).toBe(460);
    expect((await countInjected(chaos.fault({ fault: boom, injectionRate: 0.5, random: seededRandom(7) }), 1_000)).injected).toBe(460);
  });

  it('rate 0 never injects, rate 1 always does', async () => {
    expect((await countInjected(chaos.fault({ fault: boom, injectionRate: 0, random: seededRandom(1) }), 200)).injected).toBe(0);
    expect((await countInjected(chaos.fault({ fault: boom, injectionRate: 1, random: seededRandom(1) }), 200)).injected).toBe(200);
  });

  it('takes the rate from a function of the call, asked on every call', async () => {
    const attempts: number[] = [];
    // 0.25 from a function draws the same calls as 0.25 given as a number (seed 42: 504 of 2,000).
    const policy = chaos.fault({
      fault: boom,
      random: seededRandom(42),
      injectionRate: ({ context }) => {
        attempts.push(context.attempt);
        return 0.25;
      },
    });
    expect((await countInjected(policy, 2_000)).injected).toBe(504);
    expect(attempts).toHaveLength(2_000);
    expect(attempts.every((a) => a === 1)).toBe(true);
  });

  it('fails the call with a RangeError naming the option when the rate function gives a value outside [0, 1]', async () => {
    const policy = chaos.fault({ fault: boom, injectionRate: () => 1.5 });
    await expect(policy.execute(() => 1)).rejects.toThrow('chaos.fault: injectionRate must be a finite number >= 0 and <= 1, got 1.5');
  });

  it('defaults to Polly\'s one call in a thousand, enabled', () => {
    expect(CHAOS_DEFAULTS.injectionRate).toBe(0.001);
    expect(CHAOS_DEFAULTS.enabled).toBe(true);
    expect(chaos.fault({ fault: boom }).enabled).toBe(true);
  });

  it('refuses bad options, naming the factory and the field', () => {
    expect(() => chaos.fault({ fault: boom, injectionRate: 2 })).toThrow('chaos.fault: injectionRate must be a finite number >= 0 and <= 1, got 2');
    expect(() => chaos.fault({ fault: boom, enabled: 'yes' as unknown as boolean })).toThrow('chaos.fault: enabled must be a boolean or a function, got string');
    expect(() => chaos.fault({ fault: boom, random: 3 as unknown as () => number })).toThrow('chaos.fault: random must be a function, got number');
    expect(() => chaos.fault({} as { fault: Error })).toThrow('chaos.fault: fault must be an error or a function making one, got undefined');
  });
});

describe('chaos policies: enable switch', () => {
  it('calls straight through while disabled, draws no random number, and injects again once enabled', async () => {
    let draws = 0;
    const random = (): number => {
      draws += 1;
      return 0;
    };
    const policy = chaos.fault({ fault: boom, injectionRate: 1, enabled: false, random });
    expect(await policy.execute(() => 'through')).toBe('through');
    expect(draws).toBe(0);
    policy.enable();
    await expect(policy.execute(() => 'through')).rejects.toBe(boom);
    expect(draws).toBe(1);
    policy.disable();
    expect(await policy.execute(() => 'through')).toBe('through');
    expect(draws).toBe(1);
  });

  it('flips while calls are in flight: a call started before disable() keeps its injection, the next one has none', async () => {
    const clock = new ManualClock();
    const policy = chaos.latency({ delayMs: 1_000, injectionRate: 1, clock });
    let first = false;
    const slow = policy.execute(() => (first = true));
    policy.disable();
    let second = false;
    await policy.execute(() => (second = true));
    expect(second).toBe(true);
    expect(first).toBe(false);
    await clock.advance(1_000);
    await slow;
    expect(first).toBe(true);
  });

  it('asks an `enabled` function per call, and disable() overrides it without asking', async () => {
    let on = false;
    let asked = 0;
    const policy = chaos.fault({
      fault: boom,
      injectionRate: 1,
      enabled: () => {
        asked += 1;
        return on;
      },
    });
    expect(await policy.execute(() => 1)).toBe(1);
    on = true;
    await expect(policy.execute(() => 1)).rejects.toBe(boom);
    expect(asked).toBe(2);
    policy.disable();
    expect(await policy.execute(() => 1)).toBe(1);
    expect(asked).toBe(2);
  });

  it('emits stateChange with the reason and clock time when flipped, and nothing when already in that position', () => {
    const clock = new ManualClock(500);
    const policy = chaos.fault({ fault: boom, clock });
    const changes: ChaosStateChange[] = [];
    policy.on('stateChange', (c) => changes.push(c));
    policy.enable();
    policy.disable('experiment-ended');
    policy.disable();
    policy.enable();
    expect(changes).toEqual([
      { from: 'enabled', to: 'disabled', reason: 'experiment-ended', at: 500 },
      { from: 'disabled', to: 'enabled', reason: 'manual', at: 500 },
    ]);
  });
});

describe('chaos.fault', () => {
  it('fails the call without running it and emits injected with the error and the try', async () => {
    const policy = chaos.fault({ fault: boom, injectionRate: 1 });
    const seen: Array<FaultInjected & { attempt: number }> = [];
    policy.on('injected', (e) => seen.push(e));
    let ran = false;
    await expect(policy.execute(() => (ran = true))).rejects.toBe(boom);
    expect(ran).toBe(false);
    expect(seen).toEqual([{ kind: 'fault', error: boom, attempt: 1 }]);
  });

  it('makes the error per call with a function, and runs the call when the function gives undefined', async () => {
    let n = 0;
    const policy = chaos.fault({ injectionRate: 1, fault: () => (++n % 2 === 1 ? new Error(`fault ${n}`) : undefined) });
    await expect(policy.execute(() => 'ran')).rejects.toThrow('fault 1');
    expect(await policy.execute(() => 'ran')).toBe('ran');
    await expect(policy.execute(() => 'ran')).rejects.toThrow('fault 3');
  });
});
