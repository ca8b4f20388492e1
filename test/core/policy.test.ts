import { describe, expect, it } from 'vitest';
import { Context, type ExecContext } from '../../src/core/context.js';
import { AbortedError } from '../../src/core/errors.js';
import { BasePolicy, type Operation, type Policy, invoke, runPolicy } from '../../src/core/policy.js';

class Passthrough extends BasePolicy<{ ran: { attempt: number } }> {
  run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    this.events.emit('ran', { attempt: ctx.attempt });
    return invoke(fn, ctx);
  }
}

describe('BasePolicy', () => {
  it('execute gives the function attempt 1 and the caller signal', async () => {
    const controller = new AbortController();
    const seen: ExecContext[] = [];
    await new Passthrough().execute((ctx) => seen.push(ctx), { signal: controller.signal });
    expect(seen[0]?.attempt).toBe(1);
    expect(seen[0]?.signal).toBe(controller.signal);
  });

  it('execute with an already aborted signal rejects with AbortedError without calling the function', async () => {
    const controller = new AbortController();
    controller.abort('no');
    let called = false;
    await expect(new Passthrough().execute(() => (called = true), { signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
    expect(called).toBe(false);
  });

  it('on() subscribes to typed events', async () => {
    const policy = new Passthrough();
    const attempts: number[] = [];
    const off = policy.on('ran', (e) => attempts.push(e.attempt));
    await policy.execute(() => 1);
    off();
    await policy.execute(() => 1);
    expect(attempts).toEqual([1]);
  });
});

describe('invoke', () => {
  it('turns a synchronous throw into a rejection with the same error', async () => {
    const error = new Error('sync');
    await expect(
      invoke(() => {
        throw error;
      }, Context.root()),
    ).rejects.toBe(error);
  });
});

describe('runPolicy', () => {
  it('runs a foreign policy through execute, keeping the attempt number and passing the signal', async () => {
    const received: Array<AbortSignal | undefined> = [];
    const foreign: Policy = {
      execute(fn, options) {
        received.push(options?.signal);
        return Promise.resolve(fn({ signal: options?.signal ?? new AbortController().signal, attempt: 1 }));
      },
    };
    const controller = new AbortController();
    const ctx = Context.root(controller.signal).withAttempt(4);
    const attempt = await runPolicy(foreign, (c) => c.attempt, ctx);
    expect(attempt).toBe(4);
    expect(received[0]).toBe(controller.signal);
  });
});
