/**
 * Backoff: how long to wait before the next try (retry) or how long to stay open (breaker).
 *
 * A `Backoff` is a recipe; `start()` makes a fresh sequence of delays for one run of retries or
 * one series of breaker re-opens. Sequences keep their own state (attempt count, the previous
 * delay for decorrelated jitter), so one recipe can be shared by any number of callers.
 */

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

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

export const exponentialDefaults = {
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

function checkNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`backoff: ${name} must be a finite number >= 0, got ${value}`);
  }
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
  checkNonNegative('ms', ms);
  return sequence(() => ms);
}

/** initialMs, initialMs + stepMs, ... capped at maxMs. */
function linear(options: LinearOptions): Backoff {
  const { initialMs, stepMs, maxMs = Infinity } = options;
  checkNonNegative('initialMs', initialMs);
  checkNonNegative('stepMs', stepMs);
  return sequence((attempt) => Math.min(maxMs, initialMs + stepMs * (attempt - 1)));
}

/**
 * Exponential growth with jitter. With 'none', delay n is min(maxMs, initialMs * factor^(n-1));
 * 'full' draws from [0, that]; 'equal' from [that/2, that]; 'decorrelated' draws from
 * [initialMs, 3 * previous delay], capped at maxMs. No delay ever exceeds maxMs.
 */
function exponential(options: ExponentialOptions = {}): Backoff {
  const { initialMs, factor, maxMs, jitter, random } = { ...exponentialDefaults, ...options };
  checkNonNegative('initialMs', initialMs);
  checkNonNegative('maxMs', maxMs);
  if (!(factor >= 1)) throw new RangeError(`backoff: factor must be >= 1, got ${factor}`);
  const cap = (attempt: number): number => Math.min(maxMs, initialMs * factor ** (attempt - 1));
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
    default:
      throw new RangeError(`backoff: unknown jitter "${String(jitter)}" (none, full, equal, decorrelated)`);
  }
}

/** Your own function of the attempt number (1-based) and the error that caused the wait. */
function custom(delay: (attempt: number, error: unknown) => number): Backoff {
  return sequence((attempt, error) => Math.max(0, delay(attempt, error)));
}

export const backoff = { constant, linear, exponential, custom };
