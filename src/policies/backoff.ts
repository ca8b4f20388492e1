import { checkFunction, checkNumber, checkOneOf } from '../core/option-checks.js';

/**
 * Backoff: how long to wait before the next try (retry) or how long to stay open (breaker).
 *
 * A `Backoff` is a recipe; `start()` makes a fresh sequence of delays for one run of retries or
 * one series of breaker re-opens. Sequences keep their own state (attempt count, the previous
 * delay for decorrelated jitter), so one recipe can be shared by any number of callers.
 */

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

export interface BackoffSequence {
  /** The next delay in ms. `attempt` counts from 1 (the wait after the first failure). */
  next(error?: unknown): number;
}

export interface Backoff {
  start(): BackoffSequence;
}

export interface ExponentialOptions {
  /** First delay before jitter; 100 ms clears a blip without stalling a fast path. */
  initialMs?: number;
  /** Growth per attempt; 2 doubles the delay each time. */
  factor?: number;
  /** Upper bound on any delay; 30 s keeps a retry loop responsive to recovery. */
  maxMs?: number;
  /** Decorrelated jitter spreads synchronized clients best (AWS architecture blog, 2015). */
  jitter?: Jitter;
  /** Source of randomness in [0, 1); inject a seeded one in tests. */
  random?: () => number;
}

export const EXPONENTIAL_DEFAULTS = {
  initialMs: 100,
  factor: 2,
  maxMs: 30_000,
  jitter: 'decorrelated' as Jitter,
  random: Math.random,
} satisfies Required<ExponentialOptions>;

export interface LinearOptions {
  /** First delay. */
  initialMs: number;
  /** Added per attempt. */
  stepMs: number;
  /** Upper bound; unbounded when omitted. */
  maxMs?: number;
}

function sequence(delay: (attempt: number, error: unknown) => number): Backoff {
  return {
    start() {
      let attempt = 0;
      return { next: (error?: unknown) => delay(++attempt, error) };
    },
  };
}

/** The same delay every time. */
function constant(ms: number): Backoff {
  checkNumber('backoff', 'ms', ms, 0);
  return sequence(() => ms);
}

/** initialMs, initialMs + stepMs, ... capped at maxMs. */
function linear(options: LinearOptions): Backoff {
  const { initialMs, stepMs } = options;
  const maxMs = options.maxMs ?? Infinity;
  checkNumber('backoff', 'initialMs', initialMs, 0);
  checkNumber('backoff', 'stepMs', stepMs, 0);
  if (maxMs !== Infinity) checkNumber('backoff', 'maxMs', maxMs, 0);
  return sequence((attempt) => Math.min(maxMs, initialMs + stepMs * (attempt - 1)));
}

/**
 * Exponential growth with jitter. With 'none', delay n is min(maxMs, initialMs * factor^(n-1));
 * 'full' draws from [0, that]; 'equal' from [that/2, that]; 'decorrelated' draws from
 * [initialMs, 3 * previous delay], capped at maxMs. No delay ever exceeds maxMs.
 */
function exponential(options: ExponentialOptions = {}): Backoff {
  // `??` per field, not an object spread: an option passed as `undefined` means "the default".
  const initialMs = options.initialMs ?? EXPONENTIAL_DEFAULTS.initialMs;
  const factor = options.factor ?? EXPONENTIAL_DEFAULTS.factor;
  const maxMs = options.maxMs ?? EXPONENTIAL_DEFAULTS.maxMs;
  const jitter = options.jitter ?? EXPONENTIAL_DEFAULTS.jitter;
  const random = options.random ?? EXPONENTIAL_DEFAULTS.random;
  checkNumber('backoff', 'initialMs', initialMs, 0);
  checkNumber('backoff', 'maxMs', maxMs, 0);
  checkNumber('backoff', 'factor', factor, 1);
  checkFunction('backoff', 'random', random);
  checkOneOf('backoff', 'jitter', jitter, JITTERS);
  // initialMs 0 stays 0: without the guard, 0 * factor^(n-1) is 0 * Infinity = NaN once the power overflows.
  const cap = (attempt: number): number => (initialMs === 0 ? 0 : Math.min(maxMs, initialMs * factor ** (attempt - 1)));
  switch (jitter) {
    case 'none':
      return sequence(cap);
    case 'full':
      return sequence((attempt) => random() * cap(attempt));
    case 'equal':
      return sequence((attempt) => {
        const d = cap(attempt);
        return d / 2 + (random() * d) / 2;
      });
    case 'decorrelated':
      return {
        start() {
          let previous = initialMs;
          return {
            next() {
              const low = Math.min(initialMs, maxMs);
              const high = Math.min(maxMs, previous * 3);
              previous = Math.max(low, low + random() * (high - low));
              return previous;
            },
          };
        },
      };
  }
}

/** Your own function of the attempt number (1-based) and the error that caused the wait. */
function custom(delay: (attempt: number, error: unknown) => number): Backoff {
  checkFunction('backoff.custom', 'delay', delay);
  return sequence((attempt, error) => {
    const ms = delay(attempt, error);
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      throw new RangeError(`backoff.custom: the delay function returned ${String(ms)} for attempt ${attempt}; it must return a number of ms`);
    }
    return Math.max(0, ms);
  });
}

export const backoff = { constant, linear, exponential, custom };
