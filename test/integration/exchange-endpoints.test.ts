/**
 * One exchange behind five simulator endpoints, routed by resilientExchange({ endpoints }) through
 * a failover group: one killed, one slowed to 2 s, one answering 5xx, one flapping, one healthy.
 * Over loopback HTTP with a real ccxt.binance; the group and the simulator share a ManualClock
 * (ejections, slow start, the flapping and the 2 s hold move only when the test advances it), and
 * ccxt's request timeout is real and short, so the slow endpoint's replies never arrive in time.
 *
 * Phases: the faults eject three endpoints while the group stays automatic; the flapping one goes
 * down too and the group panics (routes to every endpoint); everything recovers and the endpoints
 * come back warming (slow start), taking a small share first and their full share later. Orders are
 * placed throughout, and at the end every client order id is held at most once by the exchange and
 * the journal agrees with the exchange.
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import type { FailoverGroup } from '../../src/failover/types.js';
import { backoff } from '../../src/policies/backoff.js';
import { OrderStatusUnknownError } from '../../src/trading/errors.js';
import { type ResilientExchange, resilientExchange } from '../../src/trading/exchange.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { type SimEndpoints, startSimEndpoints } from '../../src/trading/sim/endpoints.js';

const NAMES = ['killed', 'slow', 'errors', 'flappy', 'healthy'] as const;
const FLAP_MS = 2_000;
const BASE_EJECTION_MS = 10_000;
const SLOW_START_MS = 20_000;

let sim: SimEndpoints | undefined;
let group: FailoverGroup<string> | undefined;
afterEach(async () => {
  group?.stop();
  await sim?.close();
  sim = group = undefined;
});

/** Requests per endpoint since the last reset. */
const requestsBy = (s: SimEndpoints): Record<string, number> => Object.fromEntries(s.endpoints.map((e) => [e.name, e.stats().requests]));
const resetCounts = (s: SimEndpoints): void => s.endpoints.forEach((e) => e.resetStats());
const stateOf = (g: FailoverGroup<string>, name: string): string | undefined => g.snapshot().endpoints.find((e) => e.name === name)?.state;

describe('an exchange behind five endpoints: killed, slow, 5xx, flapping, healthy', () => {
  it('ejects the bad ones, panics when too many are bad, fails back with slow start, and never places an order twice', async () => {
    const clock = new ManualClock(Date.now());
    sim = await startSimEndpoints({
      names: NAMES,
      clock,
      seed: 11,
      endpointFaults: { killed: { down: true }, slow: { latencyMs: 2_000 }, errors: { errorShare: 1, errorStatus: 503 }, flappy: { flapMs: FLAP_MS } },
    });
    const binance = pointAtSimulator(new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, timeout: 250, options: { maxRetriesOnFailure: 0 } }), sim.endpoint('healthy').url);
    // ccxt signs with the simulator's time, which the test moves.
    binance.milliseconds = () => clock.now();
    const exchange: ResilientExchange = resilientExchange(binance, {
      endpoints: sim.specs(),
      endpointGroup: {
        strategy: 'weighted',
        clock,
        random: seededRandom(3),
        // Three of five ejected (40 % routable) is still automatic; four (20 %) is panic.
        panicThreshold: 0.35,
        // Every rule on: the failures the ejected endpoints take in panic count for none, so none ejects them again when they return.
        outlierDetection: { consecutiveGatewayFailures: 2, baseEjectionMs: BASE_EJECTION_MS, maxEjectionShare: 0.8 },
        slowStart: { windowMs: SLOW_START_MS, minWeightShare: 0.1 },
      },
      // Every endpoint may be tried once per request: in panic most of them are bad.
      endpointAttempts: NAMES.length,
      breaker: false,
      backoff: backoff.constant(5),
      lookupBackoff: backoff.constant(20),
      lookupAttempts: 3,
    });
    group = exchange.endpoints!;
    // Intents whose first answer was lost (timeout, 5xx, a cut connection) and that were then looked up.
    const lookedUp = new Set<string>();
    exchange.on('intent', (e) => {
      if (e.to === 'UNKNOWN') lookedUp.add(e.intentId);
    });
    group.start();
    await exchange.loadMarkets();

    const outcomes = { placed: 0, unknown: 0 };
    const placeSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        try {
          await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 20_000 + i);
          outcomes.placed++;
        } catch (error) {
          // A 5xx on the order leaves its fate unknown; it was never sent again.
          expect(error).toBeInstanceOf(OrderStatusUnknownError);
          outcomes.unknown++;
        }
      }
    };
    const readSome = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) expect((await exchange.fetchTicker('BTC/USDT')).stale).toBe(false);
    };

    // 1. The faults eject killed, slow and errors; the group stays automatic with flappy and healthy.
    await readSome(20);
    await placeSome(6);
    for (const name of ['killed', 'slow', 'errors']) expect(stateOf(group, name)).toBe('ejected');
    expect(group.history().filter((c) => c.kind === 'endpoint' && c.to === 'ejected').map((c) => (c.kind === 'endpoint' ? [c.endpoint, c.reason] : []))).toEqual(
      expect.arrayContaining([
        ['killed', 'consecutive-gateway-failures'],
        ['slow', 'consecutive-gateway-failures'],
        ['errors', 'consecutive-gateway-failures'],
      ]),
    );
    expect(group.snapshot()).toMatchObject({ mode: 'automatic', routableShare: 0.4 });
    // Routing shares: only the routable endpoints take calls, evenly (equal weights).
    resetCounts(sim);
    await readSome(20);
    expect(requestsBy(sim)).toEqual({ killed: 0, slow: 0, errors: 0, flappy: 10, healthy: 10 });

    // 2. Flappy goes down: a fourth ejection leaves 20 % routable, and the group panics: every endpoint takes calls.
    await clock.advance(FLAP_MS);
    await sim.endpoint('flappy').setFaults({});
    expect(sim.endpoint('flappy').listening).toBe(false);
    resetCounts(sim);
    await readSome(20);
    expect(stateOf(group, 'flappy')).toBe('ejected');
    expect(group.snapshot().mode).toBe('panic');
    expect(group.history()).toContainEqual(expect.objectContaining({ kind: 'routing', to: 'panic', reason: 'panic' }));
    await placeSome(6);
    // In panic the ejected endpoints are used again: the one answering 5xx answered some.
    await readSome(20);
    expect(sim.endpoint('errors').stats().errorsAnswered + sim.endpoint('slow').stats().requests).toBeGreaterThan(0);

    // 3. Everything recovers; once the ejections are over the endpoints come back warming, with a small share.
    await sim.endpoint('killed').listenAgain();
    await sim.endpoint('slow').setFaults({ latencyMs: 0 });
    await sim.endpoint('errors').setFaults({ errorShare: 0 });
    await sim.endpoint('flappy').setFaults({ flapMs: 0 });
    // Flappy was ejected FLAP_MS after the others: past its ejection, everything is back.
    await clock.advance(BASE_EJECTION_MS + 500);
    const back = group.snapshot();
    expect(back.mode).toBe('automatic');
    expect(group.history()).toContainEqual(expect.objectContaining({ kind: 'routing', from: 'panic', reason: 'panic-over' }));
    for (const name of ['killed', 'slow', 'errors', 'flappy']) {
      const e = back.endpoints.find((x) => x.name === name)!;
      expect(e.state).toBe('warming');
      expect(e.weightFactor).toBeLessThan(0.5);
    }
    resetCounts(sim);
    await readSome(40);
    const warming = requestsBy(sim);
    for (const name of ['killed', 'slow', 'errors', 'flappy']) {
      expect(warming[name]).toBeGreaterThan(0);
      expect(warming.healthy).toBeGreaterThan(2 * warming[name]!);
    }
    await placeSome(4);

    // 4. Slow start over: every endpoint healthy, taking its full share.
    await clock.advance(SLOW_START_MS);
    expect(group.snapshot().endpoints.map((e) => e.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
    expect(group.history()).toContainEqual(expect.objectContaining({ kind: 'endpoint', to: 'healthy', reason: 'slow-start-over' }));
    resetCounts(sim);
    await readSome(50);
    for (const count of Object.values(requestsBy(sim))) expect(count).toBe(10);
    await placeSome(4);

    // Zero double orders: each client order id at most once on the exchange, and the journal agrees with it.
    expect(outcomes.placed).toBeGreaterThan(10);
    // The ambiguous path was taken: some orders' answers were lost and found by lookup, some stayed unknown.
    expect(lookedUp.size).toBeGreaterThan(outcomes.unknown);
    expect(outcomes.unknown).toBeGreaterThan(0);
    const held = (await (await fetch(`${sim.endpoint('healthy').url}/_sim/orders`)).json()) as Array<{ clientOrderId: string; orderId: number }>;
    const ids = held.map((o) => o.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    await exchange.flushJournal();
    const intents = await exchange.journal.listRecent(1_000);
    expect(intents).toHaveLength(outcomes.placed + outcomes.unknown);
    for (const intent of intents) {
      const order = held.find((o) => o.clientOrderId === intent.clientOrderId);
      if (intent.state === 'UNKNOWN') expect(order).toBeUndefined();
      else expect(String(order?.orderId)).toBe(intent.exchangeOrderId);
    }
    expect(held).toHaveLength(outcomes.placed);
  }, 30_000);
});
