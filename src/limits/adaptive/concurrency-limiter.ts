import { type Clock, systemClock } from '../../core/clock.js';
import type { Context } from '../../core/context.js';
import { BulkheadFullError, RateLimitedError, TimeoutError, abortedFrom } from '../../core/errors.js';
import type { OutcomeEvents } from '../../core/outcome-events.js';
import { BasePolicy, type Operation, invoke } from '../../core/policy.js';
import { deadlinesOf, type Deadline } from '../../core/timers.js';
import { checkFunction, checkNumber } from '../../core/option-checks.js';
import { aimd } from './aimd.js';
import type { LimitAlgorithm } from './limit-algorithm.js';
import { QUEUE_DEFAULTS, withDefaults } from '../../core/options.js';

/**
 * An adaptive concurrency limiter used as a policy: at most `limit` calls run at once, and the
 * limit is learnt from the calls' latency and drops by a `LimitAlgorithm` (AIMD by default,
 * or Gradient2). A call over the limit waits briefly in a FIFO queue, or is rejected with
 * `BulkheadFullError` when the queue is full or its wait runs out.
 */
export interface AdaptiveConcurrencyOptions {
  /** How the limit adapts; AIMD reacts to drops and timeouts, the signal every client sees. */
  algorithm?: LimitAlgorithm;
  /** Calls that may wait for a slot; 0 rejects at once. */
  maxQueue?: number;
  /** Longest wait for a slot. */
  maxWaitMs?: number;
  /** Which failures mean overload (fed to the algorithm as drops); other errors teach nothing. */
  isDrop?: (error: unknown) => boolean;
  /** Time source for round-trip times, queue timeouts and the `success` / `failure` durations. */
  clock?: Clock;
}

/** Timeouts and rate-limit answers are what an overloaded dependency produces. */
const isOverloadError = (error: unknown): boolean => TimeoutError.is(error) || RateLimitedError.is(error);

export const ADAPTIVE_CONCURRENCY_DEFAULTS = {
  /** The same waiting room as the bulkhead and the rate limiters (core/options.ts QUEUE_DEFAULTS, where the reason is). */
  maxQueue: QUEUE_DEFAULTS.maxQueue as number,
  /** 1 s keeps queued calls fresh ("queues briefly"): a long wait would hide the overload the limit reacts to. */
  maxWaitMs: 1_000,
  isDrop: isOverloadError,
  clock: systemClock,
} satisfies Required<Omit<AdaptiveConcurrencyOptions, 'algorithm'>>;

export interface AdaptiveConcurrencyEvents extends OutcomeEvents {
  /** The algorithm moved the limit (`from` and `to` are concurrency limits). */
  stateChange: { from: number; to: number };
  /** A call was turned away: over the limit with a full queue, or its wait ran past `maxWaitMs`. */
  rejected: { limit: number; inflight: number; queued: number; reason: 'queue-full' | 'max-wait' };
}

interface Waiter {
  grant: () => void;
  fail: (error: unknown) => void;
}

export class AdaptiveConcurrencyLimiter extends BasePolicy<AdaptiveConcurrencyEvents> {
  private readonly algorithm: LimitAlgorithm;
  private readonly maxQueue: number;
  private readonly maxWaitMs: number;
  private readonly isDrop: (error: unknown) => boolean;
  private readonly clock: Clock;
  private readonly queue: Waiter[] = [];
  private running = 0;

  constructor(options: AdaptiveConcurrencyOptions = {}) {
    super();
    const o = withDefaults(ADAPTIVE_CONCURRENCY_DEFAULTS, options);
    checkNumber('adaptiveConcurrency', 'maxQueue', o.maxQueue, 0);
    checkNumber('adaptiveConcurrency', 'maxWaitMs', o.maxWaitMs, 0);
    checkFunction('adaptiveConcurrency', 'isDrop', o.isDrop);
    this.algorithm = options.algorithm ?? aimd();
    if (typeof this.algorithm.onSample !== 'function') {
      throw new TypeError('adaptiveConcurrency: algorithm must have onSample(sample) and limit (use aimd() or gradient2())');
    }
    this.maxQueue = o.maxQueue;
    this.maxWaitMs = o.maxWaitMs;
    this.isDrop = o.isDrop;
    this.clock = o.clock;
  }

  /** The current concurrency limit. */
  get limit(): number {
    return this.algorithm.limit;
  }

  /** Calls running now. */
  get inflight(): number {
    return this.running;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  async run<T>(fn: Operation<T>, ctx: Context): Promise<T> {
    if (ctx.aborted) throw abortedFrom(ctx.signal);
    if (this.running < this.algorithm.limit && this.queue.length === 0) this.running++;
    else await this.waitForSlot(ctx);
    const inflight = this.running;
    const start = this.clock.now();
    try {
      const result = await invoke(fn, ctx);
      const durationMs = this.clock.now() - start;
      this.sample(durationMs, inflight, false);
      if (this.events.has('success')) this.events.emit('success', { durationMs });
      return result;
    } catch (error) {
      const durationMs = this.clock.now() - start;
      if (this.isDrop(error)) this.sample(durationMs, inflight, true);
      if (this.events.has('failure')) this.events.emit('failure', { error, durationMs });
      throw error;
    } finally {
      this.release();
    }
  }

  private sample(rttMs: number, inflight: number, dropped: boolean): void {
    const from = this.algorithm.limit;
    const to = this.algorithm.onSample({ rttMs, inflight, dropped });
    if (to !== from) this.events.emit('stateChange', { from, to });
  }

  private reject(reason: 'queue-full' | 'max-wait'): BulkheadFullError {
    const limit = this.algorithm.limit;
    this.events.emit('rejected', { limit, inflight: this.running, queued: this.queue.length, reason });
    const why = reason === 'queue-full' ? 'queue full' : `no slot within maxWaitMs (${this.maxWaitMs} ms)`;
    return new BulkheadFullError(`Adaptive concurrency limit ${limit} reached (${this.running} in flight, ${why})`);
  }

  private waitForSlot(ctx: Context): Promise<void> {
    if (this.queue.length >= this.maxQueue) return Promise.reject(this.reject('queue-full'));
    return new Promise<void>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const leave = (): void => {
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
        deadline.cancel();
        if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve();
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      this.queue.push(waiter);
      // Assigned before anything can call leave(): the timer and the abort fire later.
      const deadline: Deadline = deadlinesOf(this.clock).add(this.maxWaitMs, () => waiter.fail(this.reject('max-wait')));
      if (ctx.source.mayAbort) {
        onAbort = () => waiter.fail(abortedFrom(ctx.signal));
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  private release(): void {
    this.running--;
    // The limit may have grown: hand out every slot that is free now, oldest waiter first.
    while (this.queue.length > 0 && this.running < this.algorithm.limit) {
      this.running++;
      this.queue[0]?.grant();
    }
  }
}

/** An adaptive concurrency limiter policy; see `AdaptiveConcurrencyOptions`. */
export function adaptiveConcurrency(options: AdaptiveConcurrencyOptions = {}): AdaptiveConcurrencyLimiter {
  return new AdaptiveConcurrencyLimiter(options);
}
