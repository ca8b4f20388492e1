/** Async helpers shared by the unit tests: settle a promise from outside, watch one, let continuations run. */

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** A promise settled from outside: an operation that finishes exactly when the test says so. */
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Tracks a promise's state without awaiting it, so a test can assert it is still pending. */
export function track<T>(promise: Promise<T>): { readonly state: 'pending' | 'fulfilled' | 'rejected'; readonly value: T | undefined; readonly error: unknown } {
  const tracked = { state: 'pending' as 'pending' | 'fulfilled' | 'rejected', value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => {
      tracked.state = 'fulfilled';
      tracked.value = value;
    },
    (error: unknown) => {
      tracked.state = 'rejected';
      tracked.error = error;
    },
  );
  return tracked;
}

/** Lets queued promise continuations (and anything else waiting for this turn of the event loop) run. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
