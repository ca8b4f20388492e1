/**
 * resilientExchange({ endpoints }): a real ccxt.binance whose requests go through a failover group
 * of simulator endpoints (one exchange, several hosts), over loopback HTTP with a short request
 * timeout. The group runs on a ManualClock; nothing here waits for the group's timers.
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { exchangeRateBudget } from '../../src/limits/budgets/exchange-rate-budget.js';
import { binanceSpotTable } from '../../src/limits/budgets/tables/binance-spot.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import type { FailoverGroupOptions } from '../../src/failover/options.js';
import type { EndpointSpec } from '../../src/failover/types.js';
import { backoff } from '../../src/policies/backoff.js';
import { OrderStatusUnknownError } from '../../src/trading/errors.js';
import { type ResilientExchange, resilientExchange } from '../../src/trading/exchange.js';
import type { ResilientExchangeOptions } from '../../src/trading/exchange-options.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { type SimEndpoints, type SimEndpointsOptions, startSimEndpoints } from '../../src/trading/sim/endpoints.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';

let sim: SimEndpoints | undefined;
let other: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  await other?.close();
  sim = other = undefined;
});

const binanceAt = (url: string): InstanceType<typeof ccxt.binance> =>
  pointAtSimulator(new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, timeout: 300, options: { maxRetriesOnFailure: 0 } }), url);

interface Setup {
  sim: SimEndpoints;
  exchange: ResilientExchange;
  binance: InstanceType<typeof ccxt.binance>;
  clock: ManualClock;
}

/** Endpoints named `names` (priorities as given), the exchange's markets loaded, counters zeroed. */
async function setup(
  names: string[],
  group: Partial<Omit<FailoverGroupOptions<string>, 'endpoints'>>,
  options: ResilientExchangeOptions = {},
  priorities: number[] = [],
  endpointFaults: SimEndpointsOptions['endpointFaults'] = {},
): Promise<Setup> {
  sim = await startSimEndpoints({ names, seed: 5, endpointFaults });
  const clock = new ManualClock(Date.now());
  const binance = binanceAt(sim.endpoints[0]!.url);
  const endpoints: Array<EndpointSpec<string>> = sim.specs().map((spec, i) => ({ ...spec, priority: priorities[i] ?? 0 }));
  const exchange = resilientExchange(binance, {
    endpoints,
    endpointGroup: { clock, ...group },
    breaker: false,
    backoff: backoff.constant(5),
    lookupBackoff: backoff.constant(5),
    lookupAttempts: 2,
    ...options,
  });
  await exchange.loadMarkets();
  for (const e of sim.endpoints) e.resetStats();
  sim.resetStats();
  return { sim, exchange, binance, clock };
}

const routes = (s: SimEndpoints, name: string): Record<string, number> => s.endpoint(name).stats().byRoute;

describe('resilientExchange({ endpoints }): reads', () => {
  it('go to the endpoints the group picks; a dead one is tried elsewhere at once and ejected', async () => {
    const { sim, exchange } = await setup(['a', 'b', 'c'], { strategy: 'roundRobin', outlierDetection: { consecutiveGatewayFailures: 2 } });
    await sim.endpoint('a').stopListening();
    const retries: unknown[] = [];
    exchange.on('retry', (e) => retries.push(e));
    for (let i = 0; i < 12; i++) expect((await exchange.fetchTicker('BTC/USDT')).stale).toBe(false);
    // The read path never saw a failure: the group's failover hid the dead host.
    expect(retries).toEqual([]);
    expect(sim.endpoint('b').stats().requests + sim.endpoint('c').stats().requests).toBe(12);
    const group = exchange.endpoints!;
    expect(group.snapshot().endpoints.find((e) => e.name === 'a')?.state).toBe('ejected');
    expect(group.history()).toContainEqual(expect.objectContaining({ kind: 'endpoint', endpoint: 'a', to: 'ejected', reason: 'consecutive-gateway-failures' }));
  });

  it('business refusals and unknown orders are the host answering: nothing is held against it', async () => {
    const { sim, exchange } = await setup(['a', 'b'], { strategy: 'roundRobin', outlierDetection: { consecutiveFailures: 1, consecutiveGatewayFailures: 1 } });
    sim.setFaults({ failures: [{ method: 'POST', path: '/api/v3/order', status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.', times: 2 }] });
    await expect(exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(exchange.fetchOrder('123456', 'BTC/USDT')).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    expect(exchange.endpoints!.history()).toEqual([]);
    expect(exchange.endpoints!.snapshot().endpoints.map((e) => e.state)).toEqual(['healthy', 'healthy']);
  });

  it('are charged to a rate budget once, whichever hosts they tried', async () => {
    const budget = exchangeRateBudget({ table: binanceSpotTable });
    const { sim, exchange } = await setup(['a', 'b'], { strategy: 'roundRobin', outlierDetection: false }, { rateBudget: budget }, [], { a: { down: true } });
    const charged: string[] = [];
    budget.on('charged', (e) => charged.push(e.endpoint));
    for (let i = 0; i < 4; i++) await exchange.fetchTicker('BTC/USDT');
    expect(charged).toEqual(Array(4).fill('GET /api/v3/ticker/24hr'));
    // Those that met the dead host first went on to b within the same charge.
    expect(sim.endpoint('b').stats().requests).toBe(4);
  });

  it('leave requests to other origins alone', async () => {
    const { sim, binance } = await setup(['a'], {});
    other = await startSimServer({ seed: 1 });
    await binance.fetch(`${other.url}/api/v3/ping`);
    expect(other.stats().requests).toBe(1);
    expect(sim.endpoint('a').stats().requests).toBe(0);
  });
});

describe('resilientExchange({ endpoints }): an order is never sent twice', () => {
  it('a refused connection: nothing left, so the order goes to another endpoint and is placed once', async () => {
    // Down from the start: no connection to it is pooled (a pooled one cut by the host fails as "other side closed", which is ambiguous).
    const { sim, exchange } = await setup(['a', 'b'], { outlierDetection: false }, {}, [0, 1], { a: { down: true } });
    const states: string[] = [];
    exchange.on('intent', (e) => states.push(e.to));
    const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000);
    expect(order.status).toBe('open');
    expect(sim.stats().ordersAccepted).toBe(1);
    expect(routes(sim, 'b')).toEqual({ 'POST /api/v3/order': 1 });
    expect(states).not.toContain('UNKNOWN');
  });

  it('a connection the host cut ("other side closed") is ambiguous: the order is not sent again, the lookup finds nothing', async () => {
    const { sim, exchange } = await setup(['a', 'b'], { outlierDetection: false }, {}, [0, 1]);
    // The markets were loaded through a: its keep-alive connection is in the pool when it goes down.
    await sim.endpoint('a').stopListening();
    const error = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000).catch((e: unknown) => e);
    if (!(error instanceof OrderStatusUnknownError)) {
      // The pool had dropped the connection already: refused, so it went to b.
      expect(routes(sim, 'b')).toEqual({ 'POST /api/v3/order': 1 });
      return;
    }
    expect(routes(sim, 'b')['POST /api/v3/order']).toBeUndefined();
    expect(sim.stats().ordersAccepted).toBe(0);
  });

  it('a 5xx: the order is not sent again; the lookups go to another endpoint, find nothing, and the intent stays UNKNOWN', async () => {
    const { sim, exchange } = await setup(['a', 'b'], { outlierDetection: false }, {}, [0, 1]);
    await sim.endpoint('a').setFaults({ errorShare: 1 });
    await expect(exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000, { intentId: 'five-hundred' })).rejects.toBeInstanceOf(OrderStatusUnknownError);
    // One POST, to the endpoint that failed it, and nothing else there; the lookups went to b.
    expect(routes(sim, 'a')).toEqual({ 'POST /api/v3/order': 1 });
    expect(routes(sim, 'b')['POST /api/v3/order']).toBeUndefined();
    expect(routes(sim, 'b')['GET /api/v3/order']).toBe(2);
    expect(sim.stats().ordersAccepted).toBe(0);
    expect((await exchange.journal.get('five-hundred'))?.state).toBe('UNKNOWN');
  });

  it('a lost reply (timeout): the order is booked once; the lookup on another endpoint finds it', async () => {
    const { sim, exchange } = await setup(['a', 'b'], { outlierDetection: false }, {}, [0, 1]);
    await sim.endpoint('a').setFaults({ latencyMs: 1_500 });
    const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 30_000, { intentId: 'slow-reply' });
    expect(order.status).toBe('open');
    expect(sim.stats().ordersAccepted).toBe(1);
    expect(routes(sim, 'a')).toEqual({ 'POST /api/v3/order': 1 });
    expect(routes(sim, 'b')['GET /api/v3/order']).toBe(1);
    const intent = await exchange.journal.get('slow-reply');
    expect(intent?.exchangeOrderId).toBe(order.id);
  });
});

describe('resilientExchange({ endpoints }): options', () => {
  it('exposes the group it built (named after the account) or the one given', async () => {
    sim = await startSimEndpoints({ names: ['a', 'b'] });
    const built = resilientExchange(binanceAt(sim.endpoints[0]!.url), { endpoints: sim.specs(), account: 'desk' });
    expect(built.endpoints?.name).toBe('desk:rest');
    expect(built.endpoints?.snapshot().endpoints.map((e) => e.name)).toEqual(['a', 'b']);
    const group = failoverGroup({ name: 'mine', endpoints: sim.specs() });
    expect(resilientExchange(binanceAt(sim.endpoints[0]!.url), { endpoints: group }).endpoints).toBe(group);
    expect(resilientExchange(binanceAt(sim.endpoints[0]!.url)).endpoints).toBeUndefined();
  });

  it('refuses bad endpoints naming the option and the reason', () => {
    const make = (options: ResilientExchangeOptions) => () => resilientExchange(binanceAt('http://127.0.0.1:1'), options);
    expect(make({ endpoints: [] })).toThrow('resilientExchange: endpoints must list at least one endpoint');
    expect(make({ endpoints: [{ name: 'a', target: 'ftp://x' }] })).toThrow('resilientExchange: endpoints[0].target must be an http(s) URL, got "ftp://x"');
    expect(make({ endpoints: [{ name: '', target: 'http://x' }] })).toThrow('resilientExchange: endpoints[0].name must be a non-empty string');
    expect(make({ endpoints: [{ name: 'a', target: 'http://x' }, { name: 'a', target: 'http://y' }] })).toThrow('endpoints[1].name "a" names two endpoints');
    expect(make({ endpoints: {} as never })).toThrow('resilientExchange: endpoints must be a failover group of base URLs or an array of endpoint specs');
    expect(make({ endpointGroup: { strategy: 'p2c' } })).toThrow('resilientExchange: endpointGroup is only used with endpoints given as specs');
    expect(make({ endpoints: [{ name: 'a', target: 'http://x' }], endpointAttempts: 0 })).toThrow('resilientExchange: endpointAttempts must be an integer >= 1, got 0');
    expect(make({ endpoints: [{ name: 'a', target: 'http://x' }], endpointGroup: { strategy: 'fastest' as never } })).toThrow('strategy');
  });

  it('refuses to route one ccxt instance through two wrappers', () => {
    const binance = binanceAt('http://127.0.0.1:1');
    resilientExchange(binance, { endpoints: [{ name: 'a', target: 'http://127.0.0.1:2' }] });
    expect(() => resilientExchange(binance, { endpoints: [{ name: 'a', target: 'http://127.0.0.1:2' }] })).toThrow('already routes its requests through endpoints');
  });
});
