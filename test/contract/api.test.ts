/**
 * The public API contract (names, defaults, events, error classes and codes) as users and
 * outside acceptance tests rely on it, exercised through the `bulwark` entry itself. A name
 * renamed since keeps working here under its deprecated alias until 1.0.
 */
import { describe, expect, it, vi } from 'vitest';
import * as bulwark from '../../src/index.js';
import {
  AbortedError,
  BrokenCircuitError,
  BulkheadFullError,
  IsolatedCircuitError,
  ManualClock,
  RateLimitedError,
  ResilienceError,
  TimeoutError,
  backoff,
  bulkhead,
  circuitBreaker,
  fallback,
  fixedWindow,
  gcra,
  hedge,
  memoryStore,
  pipeline,
  rateLimit,
  retry,
  slidingWindow,
  systemClock,
  timeout,
  tokenBucket,
} from '../../src/index.js';
import { tradingGate } from '../../src/trading/index.js';
import { track } from '../support/async.js';

vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

describe('API contract: core', () => {
  it('exports the clocks, and ManualClock.advance fires due timers', async () => {
    expect(typeof systemClock.now()).toBe('number');
    const clock = new ManualClock(5);
    expect(clock.now()).toBe(5);
    let woke = false;
    void clock.sleep(10).then(() => (woke = true));
    await clock.advance(10);
    expect(woke).toBe(true);
  });

  it('hands { signal, attempt } to the function, attempt 1 first', async () => {
    const seen = await retry().execute((ctx) => ({ aborted: ctx.signal.aborted, attempt: ctx.attempt }));
    expect(seen).toEqual({ aborted: false, attempt: 1 });
  });

  it('every error extends ResilienceError with its stable code', () => {
    const cases: Array<[ResilienceError, string]> = [
      [new BrokenCircuitError('open', 100), 'CIRCUIT_OPEN'],
      [new IsolatedCircuitError(), 'CIRCUIT_ISOLATED'],
      [new TimeoutError(10), 'TIMEOUT'],
      [new BulkheadFullError(), 'BULKHEAD_FULL'],
      [new RateLimitedError(50), 'RATE_LIMITED'],
      [new AbortedError(), 'ABORTED'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(ResilienceError);
      expect(error.code).toBe(code);
    }
    expect(new BrokenCircuitError('open', 100).retryAfterMs).toBe(100);
    expect(new RateLimitedError(50).retryAfterMs).toBe(50);
  });
});

describe('API contract: policies', () => {
  it('pipeline: the first argument is the outermost', async () => {
    const order: string[] = [];
    const outer = fallback({ value: 'fallback' });
    const inner = retry({ maxAttempts: 2, backoff: backoff.constant(0) });
    outer.on('fallback', () => order.push('fallback'));
    inner.on('retry', () => order.push('retry'));
    const result = await pipeline(outer, inner).execute(() => {
      throw new Error('down');
    });
    expect(result).toBe('fallback');
    expect(order).toEqual(['retry', 'fallback']);
  });

  it('retry: maxAttempts 3 by default; events retry and giveUp; rethrowLastError rethrows the last error', async () => {
    const clock = new ManualClock();
    const policy = retry({ backoff: backoff.constant(1), clock, rethrowLastError: true });
    const events: string[] = [];
    policy.on('retry', () => events.push('retry'));
    policy.on('giveUp', () => events.push('giveUp'));
    let tries = 0;
    const last = new Error('third');
    const result = policy
      .execute(() => {
        tries++;
        throw tries === 3 ? last : new Error('again');
      })
      .catch((error: unknown) => error);
    await clock.advance(10);
    expect(await result).toBe(last);
    expect(tries).toBe(3);
    expect(events).toEqual(['retry', 'retry', 'giveUp']);
  });

  it('retry: takes retryOn, retryOnResult, maxElapsedMs; honours retryAfterMs as the minimum wait', async () => {
    const clock = new ManualClock();
    const policy = retry({ backoff: backoff.constant(1), clock, retryOn: () => true, retryOnResult: (r) => r === 'bad', maxElapsedMs: 10_000 });
    let tries = 0;
    const result = policy.execute(() => {
      tries++;
      if (tries === 1) throw new RateLimitedError(500);
      return tries === 2 ? 'bad' : 'good';
    });
    await clock.advance(499);
    expect(tries).toBe(1);
    await clock.advance(2);
    expect(await result).toBe('good');
  });

  it('circuitBreaker: the options and members the contract names', () => {
    const clock = new ManualClock();
    const breaker = circuitBreaker({
      name: 'contract',
      window: { kind: 'consecutive', failures: 2 },
      failureRateThreshold: 0.5,
      slowCallMs: 1000,
      slowCallRateThreshold: 1,
      minimumCalls: 20,
      openMs: backoff.constant(1000),
      halfOpenCalls: 1,
      isFailure: () => true,
      clock,
    });
    expect(breaker.state).toBe('closed');
    const handle = breaker.isolate();
    expect(breaker.state).toBe('isolated');
    handle.release();
    breaker.reset();
    const snapshot = breaker.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(circuitBreaker({ initialState: snapshot, clock }).state).toBe('closed');
    const metrics = breaker.metrics();
    expect(metrics.state).toBe('closed');
    for (const k of ['stateChange', 'success', 'failure', 'rejected'] as const) expect(typeof breaker.on(k, () => undefined)).toBe('function');
    for (const window of [{ kind: 'count', size: 10 }, { kind: 'time', ms: 1000 }] as const) expect(circuitBreaker({ window }).state).toBe('closed');
  });

  it("timeout: { ms, mode: 'aggressive' | 'cooperative' } and its timeout event", async () => {
    const clock = new ManualClock();
    const policy = timeout({ ms: 10, mode: 'aggressive', clock } as Parameters<typeof timeout>[0]);
    const fired: unknown[] = [];
    policy.on('timeout', (e) => fired.push(e));
    const result = policy.execute(() => new Promise(() => undefined)).catch((error: unknown) => error);
    await clock.advance(10);
    expect(await result).toBeInstanceOf(TimeoutError);
    expect(fired).toHaveLength(1);
    expect(timeout({ ms: 10, mode: 'cooperative' })).toBeDefined();
  });

  it('bulkhead: { maxConcurrent, maxQueue, queueTimeoutMs } and its rejected event', async () => {
    const policy = bulkhead({ maxConcurrent: 1, maxQueue: 0, queueTimeoutMs: 100 });
    const rejected: unknown[] = [];
    policy.on('rejected', (e) => rejected.push(e));
    let release = (): void => undefined;
    const held = policy.execute(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(policy.execute(() => 1)).rejects.toBeInstanceOf(BulkheadFullError);
    expect(rejected).toHaveLength(1);
    release();
    await held;
  });

  it('fallback: { value | fn, handle } and its fallback event; hedge: { delayMs, maxHedges } and its hedge event', async () => {
    const byFn = fallback({ fn: (error) => `recovered from ${(error as Error).message}`, handle: () => true });
    const seen: unknown[] = [];
    byFn.on('fallback', (e) => seen.push(e));
    expect(await byFn.execute(() => Promise.reject(new Error('x')))).toBe('recovered from x');
    expect(seen).toHaveLength(1);
    const clock = new ManualClock();
    const policy = hedge({ delayMs: 10, maxHedges: 1, clock } as Parameters<typeof hedge>[0]);
    const hedges: unknown[] = [];
    policy.on('hedge', (e) => hedges.push(e));
    const result = policy.execute((ctx) => (ctx.attempt === 1 ? new Promise(() => undefined) : 'second'));
    await clock.advance(10);
    expect(await result).toBe('second');
    expect(hedges).toHaveLength(1);
  });

  it('rateLimit(limiter, { key, cost, wait, maxWaitMs }) and its limited event', async () => {
    const clock = new ManualClock();
    const limiter = tokenBucket({ capacity: 2, refillPerSecond: 1, clock });
    const policy = rateLimit(limiter, { key: 'k', cost: 2, wait: false });
    const limited: unknown[] = [];
    policy.on('limited', (e) => limited.push(e));
    await policy.execute(() => 1);
    await expect(policy.execute(() => 1)).rejects.toBeInstanceOf(RateLimitedError);
    expect(limited).toEqual([expect.objectContaining({ key: 'k', cost: 2, retryAfterMs: 2000 })]);
    const waiting = rateLimit(limiter, { key: 'w', wait: true, maxWaitMs: 5000 });
    await expect(waiting.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('backoff: constant, linear, exponential (defaults 100 ms, x2, 30 s, decorrelated) and custom', () => {
    const first = (b: bulwark.Backoff, n: number): number[] => {
      const seq = b.start();
      return Array.from({ length: n }, () => seq.next());
    };
    expect(first(backoff.constant(7), 2)).toEqual([7, 7]);
    expect(first(backoff.linear({ initialMs: 10, stepMs: 5, maxMs: 18 }), 3)).toEqual([10, 15, 18]);
    expect(first(backoff.exponential({ jitter: 'none' }), 3)).toEqual([100, 200, 400]);
    expect(first(backoff.exponential({ jitter: 'none', initialMs: 20_000 }), 2)).toEqual([20_000, 30_000]);
    expect(bulwark.EXPONENTIAL_DEFAULTS).toMatchObject({ initialMs: 100, factor: 2, maxMs: 30_000, jitter: 'decorrelated' });
    expect(first(backoff.custom((attempt) => attempt * 3), 2)).toEqual([3, 6]);
    for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) expect(first(backoff.exponential({ jitter, maxMs: 300 }), 1)[0]).toBeLessThanOrEqual(300);
  });
});

describe('API contract: limits', () => {
  it('every limiter factory takes the options the contract names and answers Decision', async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const limiters = [
      tokenBucket({ capacity: 1, refillPerSecond: 1, store, clock }),
      gcra({ limit: 1, periodMs: 1000, burst: 1, store, clock }),
      slidingWindow({ limit: 1, windowMs: 1000, mode: 'log', store, clock }),
      slidingWindow({ limit: 1, windowMs: 1000, mode: 'counter', store, clock }),
      fixedWindow({ limit: 1, windowMs: 1000, store, clock }),
    ];
    for (const [i, limiter] of limiters.entries()) {
      const key = `k${i}`;
      expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0 });
      const refused = await limiter.consume(key, 1);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      const acquired = track(limiter.acquire(key, 1, { maxWaitMs: 5000, priority: 0 }));
      for (let step = 0; step < 20 && acquired.state === 'pending'; step++) await clock.advance(100);
      expect(acquired.state).toBe('fulfilled');
    }
    expect(typeof bulwark.redisStore).toBe('function');
  });
});

describe('API contract: trading', () => {
  it("tradingGate() holds 'active' | 'reducing' | 'halted'", () => {
    const gate = tradingGate({ clock: new ManualClock() });
    expect(gate.mode).toBe('active');
    gate.kill('contract');
    expect(gate.mode).toBe('halted');
  });
});
