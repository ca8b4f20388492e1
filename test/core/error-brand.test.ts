/**
 * Errors are recognised across two installed copies of the package: a second copy of
 * core/errors.ts is loaded as a separate module instance (its classes are other objects), and
 * each class's static `is()` still recognises the other copy's errors, as `instanceof` cannot.
 */
import { describe, expect, it, vi } from 'vitest';
import * as first from '../../src/core/errors.js';
import { classifyError, isRetryable } from '../../src/core/taxonomy.js';

async function secondCopy(): Promise<typeof first> {
  vi.resetModules();
  return await import('../../src/core/errors.js');
}

describe('error brand across two copies of the package', () => {
  it('the second copy is really another module: instanceof fails across it', async () => {
    const other = await secondCopy();
    expect(other.BrokenCircuitError).not.toBe(first.BrokenCircuitError);
    expect(new other.BrokenCircuitError()).not.toBeInstanceOf(first.BrokenCircuitError);
  });

  it('carries Symbol.for("bulwark.error"), the same symbol in every copy', async () => {
    const other = await secondCopy();
    expect(other.ERROR_BRAND).toBe(first.ERROR_BRAND);
    expect(first.ERROR_BRAND).toBe(Symbol.for('bulwark.error'));
    expect((new other.TimeoutError(5) as unknown as Record<symbol, unknown>)[Symbol.for('bulwark.error')]).toBe(true);
  });

  it('static is() recognises the other copy\'s errors by class, base classes included', async () => {
    const other = await secondCopy();
    const open = new other.BrokenCircuitError('open', 100);
    expect(first.BrokenCircuitError.is(open)).toBe(true);
    expect(first.ExecutionRejectedError.is(open)).toBe(true);
    expect(first.ResilienceError.is(open)).toBe(true);
    expect(first.isResilienceError(open)).toBe(true);
    expect(first.TimeoutError.is(open)).toBe(false);
    expect(first.BulkheadFullError.is(new other.BulkheadFullError())).toBe(true);
    expect(first.RetryExhaustedError.is(new other.RetryExhaustedError(3, 'exhausted', new Error('x')))).toBe(true);
    expect(first.ExecutionRejectedError.is(new other.TimeoutError(5))).toBe(false);
  });

  it('static is() refuses unbranded look-alikes', () => {
    class BrokenCircuitError extends Error {}
    expect(first.BrokenCircuitError.is(new BrokenCircuitError('fake'))).toBe(false);
    expect(first.ResilienceError.is({ code: 'CIRCUIT_OPEN' })).toBe(false);
    expect(first.ResilienceError.is(null)).toBe(false);
  });

  it('the taxonomy classifies the other copy\'s errors as its own', async () => {
    const other = await secondCopy();
    expect(classifyError(new other.BrokenCircuitError())).toEqual(classifyError(new first.BrokenCircuitError()));
    expect(isRetryable(new other.BulkheadFullError())).toBe(false);
    expect(isRetryable(new other.TimeoutError(10))).toBe(true);
  });
});

describe('refusals share one base', () => {
  it.each([
    ['BrokenCircuitError', new first.BrokenCircuitError()],
    ['IsolatedCircuitError', new first.IsolatedCircuitError()],
    ['BulkheadFullError', new first.BulkheadFullError()],
    ['RateLimitedError', new first.RateLimitedError(10)],
  ])('%s extends ExecutionRejectedError', (_name, error) => {
    expect(error).toBeInstanceOf(first.ExecutionRejectedError);
    expect(error).toBeInstanceOf(first.ResilienceError);
  });

  it('a timeout and an abort are not refusals: the call ran', () => {
    expect(new first.TimeoutError(1)).not.toBeInstanceOf(first.ExecutionRejectedError);
    expect(new first.AbortedError()).not.toBeInstanceOf(first.ExecutionRejectedError);
  });
});

describe('aborts', () => {
  it('reject with an error named AbortError whose cause is the signal\'s reason', () => {
    const controller = new AbortController();
    controller.abort('shutting down');
    const error = first.abortedFrom(controller.signal);
    expect(error.name).toBe('AbortError');
    expect(error.code).toBe('ABORTED');
    expect(error.cause).toBe('shutting down');
  });
});
