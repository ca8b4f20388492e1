/** execute(): pick, call, record, with outcomes read by the default classify. */
import { describe, expect, it } from 'vitest';
import { AbortedError, BrokenCircuitError, BulkheadFullError, TimeoutError } from '../../src/core/errors.js';
import { CategorizedError } from '../../src/core/taxonomy.js';
import { classifyOutcome } from '../../src/failover/classify.js';
import { makeGroup, stateOf } from './helpers.js';

const named = (name: string, extra: Record<string, unknown> = {}): Error => Object.assign(Object.defineProperty(new Error(name), 'name', { value: name }), extra);

describe('classifyOutcome (the default classify)', () => {
  it.each<[string, unknown, string]>([
    ['a toolkit timeout', new TimeoutError(100), 'gateway'],
    ['a refused connection', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'gateway'],
    ['a socket timeout', Object.assign(new Error('t'), { code: 'ETIMEDOUT' }), 'gateway'],
    ['an HTTP 503', Object.assign(new Error('Service Unavailable'), { status: 503 }), 'gateway'],
    ['an HTTP 500', Object.assign(new Error('Internal'), { statusCode: 500 }), 'gateway'],
    ["ccxt's ExchangeNotAvailable", named('ExchangeNotAvailable'), 'gateway'],
    ["ccxt's RequestTimeout", named('RequestTimeout'), 'gateway'],
    ['a caller abort (AbortError)', named('AbortError'), 'neutral'],
    ["the toolkit's AbortedError", new AbortedError(), 'neutral'],
    ['an HTTP 400', Object.assign(new Error('Bad Request'), { status: 400 }), 'neutral'],
    ["ccxt's InsufficientFunds (the exchange answered)", named('InsufficientFunds'), 'success'],
    ['an auth failure', Object.assign(new Error('no'), { status: 401 }), 'failure'],
    ['a rate limit', Object.assign(new Error('slow down'), { status: 429 }), 'neutral'],
    ["ccxt's RateLimitExceeded", named('RateLimitExceeded'), 'neutral'],
    ['an open breaker inside the call', new BrokenCircuitError('open', 100), 'neutral'],
    ['a full bulkhead inside the call', new BulkheadFullError(), 'neutral'],
    ['an unknown error', new Error('something else'), 'failure'],
    ['a thrown string', 'oops', 'failure'],
    ['a categorised internal error', new CategorizedError({ category: 'internal', message: 'bug' }), 'failure'],
  ])('%s is %s', (_what, error, outcome) => {
    expect(classifyOutcome(error)).toBe(outcome);
  });
});

describe('execute', () => {
  it('passes the target, records the success with its latency and returns the result', async () => {
    const { group, clock } = makeGroup({ strategy: 'roundRobin' });
    const result = group.execute(async (target, endpoint) => {
      expect(group.snapshot().endpoints[0]!.inFlight).toBe(1);
      await clock.sleep(40);
      return `${target}:${endpoint.name}`;
    });
    await clock.advance(40);
    await expect(result).resolves.toBe('A:a');
    expect(group.snapshot().endpoints[0]).toMatchObject({ inFlight: 0, latencyMs: 40, calls: 1, failures: 0 });
  });

  it('rethrows the error as it was and records its classified outcome', async () => {
    const { group } = makeGroup({ strategy: 'roundRobin', endpoints: [{ name: 'a', target: 'A' }] });
    const error = Object.assign(new Error('bad gateway'), { status: 502 });
    for (let i = 0; i < 3; i++) await expect(group.execute(() => Promise.reject(error))).rejects.toBe(error);
    expect(stateOf(group, 'a')).toBe('ejected');
  });

  it('uses the classify option, and counts a throwing classify as a failure', async () => {
    const { group } = makeGroup({ strategy: 'roundRobin', endpoints: [{ name: 'a', target: 'A' }], outlierDetection: { consecutiveFailures: 2, consecutiveGatewayFailures: 0 }, classify: () => 'neutral' });
    for (let i = 0; i < 5; i++) await expect(group.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(stateOf(group, 'a')).toBe('healthy');
    const throwing = makeGroup({
      strategy: 'roundRobin',
      endpoints: [{ name: 'a', target: 'A' }],
      outlierDetection: { consecutiveFailures: 2, consecutiveGatewayFailures: 0 },
      classify: () => {
        throw new Error('classifier bug');
      },
    }).group;
    for (let i = 0; i < 2; i++) await expect(throwing.execute(() => Promise.reject(new Error('call failed')))).rejects.toThrow('call failed');
    expect(stateOf(throwing, 'a')).toBe('ejected');
  });

  it('avoids the endpoints given in exclude', async () => {
    const { group } = makeGroup({ strategy: 'roundRobin' });
    const names: string[] = [];
    for (let i = 0; i < 6; i++) await group.execute(async (_t, e) => void names.push(e.name), { exclude: new Set(['a', 'b']) });
    expect(new Set(names)).toEqual(new Set(['c', 'd']));
  });
});

describe('record', () => {
  it('refuses an endpoint the group does not have, a bad outcome or a bad latency', () => {
    const { group } = makeGroup();
    const e = group.pick();
    expect(() => group.record({ name: 'x', target: 'X', priority: 0 }, 'success', 1)).toThrow('failoverGroup "venue": endpoint must be one returned by pick(), got x');
    expect(() => group.record(e, 'ok' as never, 1)).toThrow(/failoverGroup "venue": outcome must be one of 'success', 'gateway', 'failure', 'neutral', got ok/);
    expect(() => group.record(e, 'success', -1)).toThrow('failoverGroup "venue": latencyMs must be a finite number >= 0, got -1');
  });

  it('keeps a peak EWMA of latency: a slow sample counts at once, a fast one decays it', async () => {
    const { group, clock } = makeGroup({ latencyDecayMs: 1_000, endpoints: [{ name: 'a', target: 'A' }] });
    const latency = (): number => group.snapshot().endpoints[0]!.latencyMs!;
    group.record(group.pick(), 'success', 10);
    expect(latency()).toBe(10);
    group.record(group.pick(), 'success', 100);
    expect(latency()).toBe(100);
    await clock.advance(1_000);
    group.record(group.pick(), 'success', 10);
    // 100 x e^-1 + 10 x (1 - e^-1)
    expect(latency()).toBeCloseTo(100 * Math.exp(-1) + 10 * (1 - Math.exp(-1)));
  });
});

describe('snapshot', () => {
  it('shows each endpoint with its share of the last interval', async () => {
    const { group, clock } = makeGroup({ strategy: 'weighted', endpoints: [{ name: 'a', target: 'A', weight: 3 }, { name: 'b', target: 'B' }], outlierDetection: { intervalMs: 1_000 } });
    for (let i = 0; i < 400; i++) group.record(group.pick(), 'success', 1);
    await clock.advance(1_000);
    const snap = group.snapshot();
    expect(snap).toMatchObject({ name: 'venue', strategy: 'weighted', mode: 'automatic', activePriority: 0, routableShare: 1, manual: { drained: [] } });
    expect(snap.endpoints.map((e) => [e.name, e.share])).toEqual([
      ['a', 0.75],
      ['b', 0.25],
    ]);
  });
});
