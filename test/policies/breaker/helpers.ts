/** Shared bits for the breaker tests: canned calls and a seeded random source. */
import type { ManualClock } from '../../../src/core/clock.js';
import type { CircuitBreaker } from '../../../src/policies/breaker/circuit-breaker.js';

export const boom = new Error('dependency down');

export const ok = (): Promise<string> => Promise.resolve('ok');
export const fail = (): Promise<never> => Promise.reject(boom);

/** Settles a call and returns its value or its error, never throwing. */
export function settled<T>(promise: Promise<T>): Promise<T | unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

export async function succeed(breaker: CircuitBreaker, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.execute(ok);
}

export async function failTimes(breaker: CircuitBreaker, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await settled(breaker.execute(fail));
}

/** A call that takes `ms` on the manual clock, then succeeds or fails. */
export async function timedCall(breaker: CircuitBreaker, clock: ManualClock, ms: number, failing = false): Promise<unknown> {
  const call = settled(
    breaker.execute(async () => {
      await clock.sleep(ms);
      if (failing) throw boom;
      return 'ok';
    }),
  );
  await clock.advance(ms);
  return call;
}

/** A call the test finishes by hand. */
export interface Pending {
  call: Promise<unknown>;
  started: boolean;
  resolve(): void;
  reject(error?: unknown): void;
}

export function pendingCall(breaker: CircuitBreaker, signal?: AbortSignal): Pending {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const pending: Pending = {
    call: Promise.resolve(),
    started: false,
    resolve: () => resolve(),
    reject: (error: unknown = boom) => reject(error),
  };
  pending.call = settled(
    breaker.execute(
      () =>
        new Promise<string>((res, rej) => {
          pending.started = true;
          resolve = () => res('ok');
          reject = rej;
        }),
      { signal },
    ),
  );
  return pending;
}

export { flush } from '../../support/async.js';

export { seededRandom as seeded } from '../../../src/core/random.js';
