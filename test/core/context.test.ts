import { describe, expect, it } from 'vitest';
import { Context } from '../../src/core/context.js';

describe('Context', () => {
  it('starts at attempt 1 and hands out the caller signal as it is', () => {
    const controller = new AbortController();
    const ctx = Context.root(controller.signal);
    expect(ctx.attempt).toBe(1);
    expect(ctx.signal).toBe(controller.signal);
    expect(ctx.source.mayAbort).toBe(true);
  });

  it('without a caller signal, uses a shared signal that never aborts', () => {
    const a = Context.root();
    const b = Context.root();
    expect(a.signal).toBe(b.signal);
    expect(a.signal.aborted).toBe(false);
    expect(a.source.mayAbort).toBe(false);
    // Immutable, so one shared root serves every call without a signal (no allocation per call).
    expect(a).toBe(b);
  });

  it('withAttempt keeps the signal and changes the attempt', () => {
    const controller = new AbortController();
    const ctx = Context.root(controller.signal).withAttempt(3);
    expect(ctx.attempt).toBe(3);
    expect(ctx.signal).toBe(controller.signal);
  });
});

describe('AbortScope (lazy signal)', () => {
  it('allocates no controller until the signal is read, yet reports aborted state', () => {
    const { scope, context } = Context.root().child();
    scope.abort('deadline');
    expect(context.aborted).toBe(true);
    expect(scope.reason).toBe('deadline');
    // Reading after the fact yields a signal that is already aborted with the same reason.
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toBe('deadline');
  });

  it('aborts a signal that was read before the owner aborts', () => {
    const { scope, context } = Context.root().child();
    const signal = context.signal;
    expect(signal.aborted).toBe(false);
    scope.abort('gave up');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('gave up');
  });

  it('follows the parent: a caller abort reaches the child signal', () => {
    const controller = new AbortController();
    const { context } = Context.root(controller.signal).child();
    const signal = context.signal;
    controller.abort('caller');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('caller');
  });

  it('is aborted at once when read under an already aborted parent', () => {
    const controller = new AbortController();
    controller.abort('early');
    const { context } = Context.root(controller.signal).child();
    expect(context.aborted).toBe(true);
    expect(context.signal.reason).toBe('early');
  });

  it('dispose stops following the parent', () => {
    const controller = new AbortController();
    const { scope, context } = Context.root(controller.signal).child();
    const signal = context.signal;
    scope.dispose();
    controller.abort();
    expect(signal.aborted).toBe(false);
  });

  it('keeps the first reason when aborted twice', () => {
    const { scope, context } = Context.root().child();
    scope.abort('first');
    scope.abort('second');
    expect(context.signal.reason).toBe('first');
  });
});
