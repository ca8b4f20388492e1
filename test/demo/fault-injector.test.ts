import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type FaultScenario, faultInjector, demoScenarios } from '../../src/demo/fault-injector.js';
import { faultsUpdateSchema } from '../../src/trading/sim/faults.js';
import { type SimEndpointFaultsInput, endpointFaultsUpdateSchema } from '../../src/trading/sim/endpoint-faults.js';

const scenarios: FaultScenario[] = [
  { name: 'slow', description: 'slow', faults: { latencyMs: 100 }, durationMs: 1_000 },
  { name: 'down', description: 'down', faults: { maintenance: true }, durationMs: 2_000 },
];

function setup() {
  const clock = new ManualClock(0);
  const sent: unknown[] = [];
  const changes: string[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    sent.push(JSON.parse(String(init?.body)));
    return new Response('{}', { status: 200 });
  }) as typeof globalThis.fetch;
  const injector = faultInjector({ simUrl: 'http://sim', scenarios, quietMs: 500, clock, fetch, onChange: ({ scenario, active }) => changes.push(`${scenario.name}:${active ? 'on' : 'off'}`) });
  return { clock, sent, changes, injector };
}

describe('FaultInjector', () => {
  it('runs the scenarios in turn with quiet time between, clearing each one', async () => {
    const { clock, sent, changes, injector } = setup();
    injector.start();
    await clock.advance(499);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(injector.active?.name).toBe('slow');
    await clock.advance(1_000);
    expect(injector.active).toBeUndefined();
    await clock.advance(500);
    expect(injector.active?.name).toBe('down');
    await clock.advance(2_000 + 500);
    expect(injector.active?.name).toBe('slow');
    expect(changes).toEqual(['slow:on', 'slow:off', 'down:on', 'down:off', 'slow:on']);
    expect(sent[0]).toEqual({ latencyMs: 100 });
    expect(sent[1]).toMatchObject({ latencyMs: 0, maintenance: false, failures: [] });
    expect(sent[2]).toEqual({ maintenance: true });
  });

  it('stop clears the active fault and schedules nothing more', async () => {
    const { clock, sent, injector } = setup();
    injector.start();
    await clock.advance(500);
    await injector.stop();
    expect(sent.at(-1)).toMatchObject({ latencyMs: 0, maintenance: false });
    const count = sent.length;
    await clock.advance(10_000);
    expect(sent.length).toBe(count);
  });

  it('an outage scenario stops the server from listening for its duration, then brings it back', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    const fetch = (async () => new Response('{}', { status: 200 })) as typeof globalThis.fetch;
    const server = {
      stopListening: async () => void calls.push('down'),
      listenAgain: async () => void calls.push('up'),
    };
    const outage: FaultScenario = { name: 'restart', description: 'restart', faults: {}, outage: true, durationMs: 3_000 };
    const injector = faultInjector({ simUrl: 'http://sim', scenarios: [outage, scenarios[0]!], quietMs: 500, clock, fetch, server });
    injector.start();
    await clock.advance(500);
    expect(calls).toEqual(['down']);
    await clock.advance(2_999);
    expect(calls).toEqual(['down']);
    await clock.advance(1);
    expect(calls).toEqual(['down', 'up']);
    // The next scenario is not an outage: the server stays up.
    await clock.advance(500 + 1_000);
    expect(calls).toEqual(['down', 'up']);
    // Stopped during an outage: the server comes back.
    await clock.advance(500);
    await injector.stop();
    expect(calls).toEqual(['down', 'up', 'down', 'up']);
  });

  it('an outage scenario without the server to stop is refused by name', () => {
    expect(() => faultInjector({ simUrl: 'http://sim', scenarios: [{ name: 'restart', description: 'r', faults: {}, outage: true, durationMs: 1 }] })).toThrow(
      'faultInjector: scenario "restart" is an outage and needs the simulator\'s server (option server)',
    );
  });

  it('the demo injects an IP ban (418 with Retry-After, within its duration) and an exchange restart', () => {
    const ban = demoScenarios.find((s) => s.faults.failures?.some((f) => f.status === 418));
    const retryAfterSec = ban?.faults.failures?.[0]?.retryAfterSec ?? Infinity;
    expect(retryAfterSec * 1_000).toBeLessThan(ban!.durationMs);
    expect(demoScenarios.filter((s) => s.outage).map((s) => s.name)).toEqual(['exchange restart']);
  });

  it('an endpoint scenario breaks that endpoint for its duration, then makes it healthy again', async () => {
    const clock = new ManualClock(0);
    const fetch = (async () => new Response('{}', { status: 200 })) as typeof globalThis.fetch;
    const calls: Array<[string, unknown]> = [];
    const endpoints = { endpoint: (name: string) => ({ setFaults: async (update: SimEndpointFaultsInput) => void calls.push([name, update]) }) };
    const down: FaultScenario = { name: 'api2 down', description: 'api2 down', faults: {}, endpoint: { name: 'api2', faults: { down: true } }, durationMs: 3_000 };
    const injector = faultInjector({ simUrl: 'http://sim', scenarios: [down], quietMs: 500, clock, fetch, endpoints });
    injector.start();
    await clock.advance(500);
    expect(calls).toEqual([['api2', { down: true }]]);
    await clock.advance(3_000);
    expect(calls[1]).toEqual(['api2', { down: false, latencyMs: 0, errorStatus: 502, errorShare: 0, flapMs: 0 }]);
    // Stopped while it runs: the endpoint is healed too.
    await clock.advance(500);
    await injector.stop();
    expect(calls.map(([, update]) => (update as { down?: boolean }).down)).toEqual([true, false, true, false]);
    expect(() => faultInjector({ simUrl: 'http://sim', scenarios: [down] })).toThrow('faultInjector: scenario "api2 down" breaks endpoint api2 and needs the exchange\'s endpoints (option endpoints)');
  });

  it('the demo breaks each of its three endpoints in turn: down, slow, 5xx', () => {
    const byEndpoint = demoScenarios.filter((s) => s.endpoint).map((s) => [s.endpoint!.name, Object.keys(s.endpoint!.faults).sort().join(',')]);
    expect(byEndpoint).toEqual([
      ['api2', 'down'],
      ['api3', 'latencyMs'],
      ['api1', 'errorShare,errorStatus'],
    ]);
    for (const scenario of demoScenarios.filter((s) => s.endpoint)) expect(endpointFaultsUpdateSchema.safeParse(scenario.endpoint!.faults).success, scenario.name).toBe(true);
  });

  it('rejects bad options by name', () => {
    expect(() => faultInjector({ simUrl: 'http://sim', quietMs: -1 })).toThrow('faultInjector: quietMs must be a finite number >= 0, got -1');
    expect(() => faultInjector({ simUrl: 'http://sim', scenarios: [] })).toThrow(/scenarios must not be empty/);
  });

  it('ships demo scenarios the simulator accepts', () => {
    for (const scenario of demoScenarios) expect(faultsUpdateSchema.safeParse(scenario.faults).success, scenario.name).toBe(true);
  });
});
