import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { ExecContext } from '../../src/core/context.js';
import { AbortedError } from '../../src/core/errors.js';
import { deadlinesOf } from '../../src/core/timers.js';
import { hedge } from '../../src/policies/hedge.js';
import { type Deferred, deferred, track } from './helpers.js';

/** An operation whose tries finish when the test says; keeps each try's context and handle. */
function tries() {
  const started: Array<{ ctx: ExecContext; work: Deferred<string> }> = [];
  const fn = (ctx: ExecContext): Promise<string> => {
    const work = deferred<string>();
    started.push({ ctx, work });
    return work.promise;
  };
  return { fn, started };
}

describe('hedge', () => {
  it('makes one try when it succeeds within delayMs', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 50, clock }).execute(fn));
    await clock.advance(49);
    started[0]?.work.resolve('fast');
    await clock.advance(100);
    expect(result.value).toBe('fast');
    expect(started).toHaveLength(1);
    expect(deadlinesOf(clock).size).toBe(0);
  });

  it('starts a second try after delayMs; the first success wins and the loser is aborted', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const policy = hedge({ delayMs: 50, clock });
    const hedges: unknown[] = [];
    policy.on('hedge', (e) => hedges.push(e));
    const result = track(policy.execute(fn));
    await clock.advance(50);
    expect(started.map((t) => t.ctx.attempt)).toEqual([1, 2]);
    expect(hedges).toEqual([{ attempt: 2 }]);
    started[1]?.work.resolve('hedge won');
    await clock.advance(0);
    expect(result.value).toBe('hedge won');
    expect(started[0]?.ctx.signal.aborted).toBe(true);
    expect(started[1]?.ctx.signal.aborted).toBe(false);
  });

  it('starts up to maxHedges extra tries, one per delayMs, each with its own signal', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 10, maxHedges: 2, clock }).execute(fn));
    await clock.advance(100);
    expect(started.map((t) => t.ctx.attempt)).toEqual([1, 2, 3]);
    expect(new Set(started.map((t) => t.ctx.signal)).size).toBe(3);
    started[0]?.work.resolve('first after all');
    await clock.advance(0);
    expect(result.value).toBe('first after all');
    expect(started.map((t) => t.ctx.signal.aborted)).toEqual([false, true, true]);
  });

  it('maxHedges: 0 makes a single try', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    track(hedge({ delayMs: 10, maxHedges: 0, clock }).execute(fn));
    await clock.advance(100);
    expect(started).toHaveLength(1);
  });

  it('a failed try starts the next hedge at once instead of waiting out the delay', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 1000, clock }).execute(fn));
    await clock.advance(5);
    started[0]?.work.reject(new Error('first failed'));
    await clock.advance(0);
    expect(started).toHaveLength(2);
    started[1]?.work.resolve('second');
    await clock.advance(0);
    expect(result.value).toBe('second');
  });

  it('a failed try does not end the race while another try still runs', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 10, clock }).execute(fn));
    await clock.advance(10);
    started[0]?.work.reject(new Error('first failed'));
    await clock.advance(0);
    expect(result.state).toBe('pending');
    started[1]?.work.resolve('second');
    await clock.advance(0);
    expect(result.value).toBe('second');
  });

  it('rejects with the failure that settled last when every try fails', async () => {
    const clock = new ManualClock();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 10, maxHedges: 1, clock }).execute(fn));
    await clock.advance(10);
    const last = new Error('attempt 1 failed last');
    started[1]?.work.reject(new Error('attempt 2 failed first'));
    await clock.advance(0);
    expect(result.state).toBe('pending');
    started[0]?.work.reject(last);
    await clock.advance(0);
    expect(result.error).toBe(last);
  });

  it('abort: a caller abort aborts every running try and rejects with AbortedError at once', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const { fn, started } = tries();
    const result = track(hedge({ delayMs: 10, maxHedges: 2, clock }).execute(fn, { signal: controller.signal }));
    await clock.advance(15);
    expect(started).toHaveLength(2);
    controller.abort('cancel');
    await clock.advance(0);
    expect(result.error).toBeInstanceOf(AbortedError);
    expect((result.error as AbortedError).cause).toBe('cancel');
    expect(started.every((t) => t.ctx.signal.aborted)).toBe(true);
    await clock.advance(100);
    expect(started).toHaveLength(2); // no hedge starts after the abort
  });

  it('rejects bad options, naming the option', () => {
    expect(() => hedge({ delayMs: -1 })).toThrow(/delayMs must be a finite number >= 0/);
    expect(() => hedge({} as { delayMs: number })).toThrow(/delayMs/);
    expect(() => hedge({ delayMs: 1, maxHedges: 1.5 })).toThrow(/maxHedges must be an integer >= 0/);
  });
});
