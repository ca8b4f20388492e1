/** Several endpoints in front of one simulated exchange, each with its own faults. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { type SimEndpoints, startSimEndpoints } from '../../../src/trading/sim/endpoints.js';

let sim: SimEndpoints | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
const order = (clientOrderId: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: form({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '40000', timeInForce: 'GTC', newClientOrderId: clientOrderId }),
});
const post = (url: string, body: unknown): Promise<Response> => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('sim endpoints', () => {
  it('share one order book: an order placed through one endpoint is seen through another', async () => {
    sim = await startSimEndpoints({ names: ['a', 'b'] });
    const [a, b] = sim.endpoints;
    expect(a!.url).not.toBe(b!.url);
    expect((await fetch(`${a!.url}/api/v3/order`, order('shared-1'))).status).toBe(200);
    const seen = await fetch(`${b!.url}/api/v3/order?symbol=BTCUSDT&origClientOrderId=shared-1`);
    expect(await seen.json()).toMatchObject({ clientOrderId: 'shared-1', status: 'NEW' });
    expect(a!.stats().byRoute).toEqual({ 'POST /api/v3/order': 1 });
    expect(b!.stats().byRoute).toEqual({ 'GET /api/v3/order': 1 });
    expect(sim.stats().ordersAccepted).toBe(1);
    expect(sim.specs()).toEqual([
      { name: 'a', target: a!.url },
      { name: 'b', target: b!.url },
    ]);
  });

  it('one endpoint down refuses connections while the others answer; back on the same port', async () => {
    sim = await startSimEndpoints({ names: ['a', 'b'], endpointFaults: { a: { down: true } } });
    const a = sim.endpoint('a');
    expect(a.listening).toBe(false);
    await expect(fetch(`${a.url}/api/v3/ping`)).rejects.toThrow();
    expect((await fetch(`${sim.endpoint('b').url}/api/v3/ping`)).status).toBe(200);
    await a.listenAgain();
    expect((await fetch(`${a.url}/api/v3/ping`)).status).toBe(200);
    expect(() => sim!.endpoint('nope')).toThrow('no endpoint "nope" (a, b)');
  });

  it('answers 5xx to every request, or to a seeded share of them, before the exchange sees it', async () => {
    sim = await startSimEndpoints({ names: ['a'], seed: 7 });
    const a = sim.endpoint('a');
    await a.setFaults({ errorShare: 1, errorStatus: 503 });
    const refused = await fetch(`${a.url}/api/v3/order`, order('never-1'));
    expect(refused.status).toBe(503);
    expect(sim.stats().ordersAccepted).toBe(0);
    await a.setFaults({ errorShare: 0.5 });
    a.resetStats();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fetch(`${a.url}/api/v3/ping`)).status);
    const failed = statuses.filter((s) => s === 503).length;
    expect(a.stats()).toMatchObject({ requests: 40, errorsAnswered: failed });
    // A seeded share: some of each, never all or none over 40 draws.
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
  });

  it('holds replies by its latency on the simulator clock; the order is booked at once', async () => {
    const clock = new ManualClock(Date.now());
    sim = await startSimEndpoints({ names: ['slow', 'fast'], clock, endpointFaults: { slow: { latencyMs: 2_000 } } });
    let answered = false;
    const reply = fetch(`${sim.endpoint('slow').url}/api/v3/order`, order('slow-1')).then((r) => {
      answered = true;
      return r;
    });
    // The order is in the book before the reply leaves.
    while (sim.stats().ordersAccepted === 0) await new Promise((r) => setTimeout(r, 5));
    await clock.advance(1_999);
    expect(answered).toBe(false);
    await clock.advance(1);
    expect((await reply).status).toBe(200);
    expect((await fetch(`${sim.endpoint('fast').url}/api/v3/ping`)).status).toBe(200);
  });

  it('flaps up and down on the simulator clock', async () => {
    const clock = new ManualClock(Date.now());
    sim = await startSimEndpoints({ names: ['flappy'], clock, endpointFaults: { flappy: { flapMs: 1_000 } } });
    const e = sim.endpoint('flappy');
    const states: boolean[] = [e.listening];
    for (let i = 0; i < 4; i++) {
      await clock.advance(1_000);
      await e.setFaults({});
      states.push(e.listening);
    }
    expect(states).toEqual([true, false, true, false, true]);
    await e.setFaults({ flapMs: 0 });
    expect(e.listening).toBe(true);
  });

  it('is controlled over any endpoint: /_sim/endpoints lists them, /_sim/endpoints/NAME/faults changes one', async () => {
    sim = await startSimEndpoints({ names: ['a', 'b'] });
    const a = sim.endpoint('a');
    const changed = await post(`${a.url}/_sim/endpoints/b/faults`, { down: true });
    expect(changed.status).toBe(200);
    expect(sim.endpoint('b').listening).toBe(false);
    const list = (await (await fetch(`${a.url}/_sim/endpoints`)).json()) as Array<{ name: string; listening: boolean }>;
    expect(list.map((e) => [e.name, e.listening])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    const bad = await post(`${a.url}/_sim/endpoints/a/faults`, { errorShare: 2 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('errorShare');
    expect((await post(`${a.url}/_sim/endpoints/zz/faults`, {})).status).toBe(404);
    // Down by its own control plane: the answer arrives, then it stops listening.
    expect((await post(`${a.url}/_sim/endpoints/a/faults`, { down: true })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(a.listening).toBe(false);
    // The exchange's own control plane still answers through an endpoint, and faults of the endpoint do not touch it.
    await a.listenAgain();
    await a.setFaults({ errorShare: 1 });
    expect((await fetch(`${a.url}/_sim/stats`)).status).toBe(200);
  });

  it('as one server: the url of the first endpoint, an outage takes every endpoint down and back', async () => {
    sim = await startSimEndpoints({ names: ['a', 'b'] });
    const server = sim.asServer();
    expect(server.url).toBe(sim.endpoint('a').url);
    await server.stopListening();
    expect(sim.endpoints.map((e) => e.listening)).toEqual([false, false]);
    expect(server.listening).toBe(false);
    await sim.endpoint('b').listenAgain();
    expect(server.listening).toBe(true);
    await server.listenAgain();
    expect(sim.endpoints.map((e) => e.listening)).toEqual([true, true]);
    expect(server.engine).toBe(sim.engine);
  });

  it('refuses bad options naming them', async () => {
    await expect(startSimEndpoints({ names: [] })).rejects.toThrow('names must name at least one endpoint');
    await expect(startSimEndpoints({ names: ['a', 'a'] })).rejects.toThrow('names must be unique');
    await expect(startSimEndpoints({ names: ['a'], endpointFaults: { b: {} } })).rejects.toThrow('endpointFaults names "b"');
  });
});
