/**
 * Injects faults into the simulated exchange through its control endpoint (POST /_sim/faults),
 * one scenario at a time with quiet periods between, so the dashboard shows failures and
 * recoveries: a slow exchange, maintenance (503s that open the breakers and move the trading gate
 * to reducing), rate limiting (429 with Retry-After), a lost order reply (an UNKNOWN order that is
 * then reconciled), rejected orders (dead letters), an IP ban (418 with Retry-After), an exchange
 * outage (the simulator's HTTP server goes away and comes back on the same port with the same state),
 * and faults of one of the exchange's endpoints (one host down, slow, or answering 5xx), which the
 * exchange's failover group routes around.
 */
import { type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkNumber } from '../core/option-checks.js';
import type { SimFaultsInput } from '../trading/sim/faults.js';
import { ENDPOINT_FAULT_DEFAULTS, type SimEndpointFaultsInput } from '../trading/sim/endpoint-faults.js';

export interface FaultScenario {
  name: string;
  description: string;
  faults: SimFaultsInput;
  /** The exchange is unreachable for the scenario's duration: its HTTP server stops listening, then comes back (needs `server`). */
  outage?: boolean;
  /** Faults of one endpoint of the exchange for the scenario's duration, then it is healthy again (needs `endpoints`). */
  endpoint?: { name: string; faults: SimEndpointFaultsInput };
  /** How long the faults stay on. */
  durationMs: number;
}

/** The demo's scenarios, in the order they run. */
export const demoScenarios: readonly FaultScenario[] = [
  { name: 'slow exchange', description: 'every reply delayed 2.5 s: past the client timeout', faults: { latencyMs: 2_500 }, durationMs: 8_000 },
  { name: 'maintenance', description: 'every request answers 503', faults: { maintenance: true }, durationMs: 10_000 },
  { name: 'rate limited', description: 'three requests answer 429 with Retry-After: 2', faults: { failures: [{ status: 429, retryAfterSec: 2, times: 3 }] }, durationMs: 5_000 },
  { name: 'lost reply', description: 'an order is booked but its reply is lost', faults: { dropReplyAfterAccept: 1 }, durationMs: 5_000 },
  {
    name: 'rejected orders',
    description: 'two orders refused for insufficient balance (HTTP 400, code -2010): they go to the dead-letter queue',
    faults: { failures: [{ method: 'POST', path: '/api/v3/order', status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.', times: 2 }] },
    durationMs: 5_000,
  },
  {
    name: 'banned',
    description: 'the next request answers 418 with Retry-After: 6: an IP ban, every request refused until it ends',
    faults: { failures: [{ status: 418, retryAfterSec: 6, times: 1 }] },
    // The ban starts with the first request (within a bot tick) and lasts 6 s.
    durationMs: 8_000,
  },
  { name: 'exchange restart', description: 'the exchange goes away (connections refused) and comes back with the same orders', faults: {}, outage: true, durationMs: 6_000 },
  {
    name: 'endpoint down',
    description: 'endpoint api2 refuses connections: it is ejected and api1 and api3 take its calls',
    faults: {},
    endpoint: { name: 'api2', faults: { down: true } },
    durationMs: 10_000,
  },
  {
    name: 'slow endpoint',
    description: 'endpoint api3 answers 2.5 s late, past the client timeout: it is ejected, its orders looked up on the others',
    faults: {},
    endpoint: { name: 'api3', faults: { latencyMs: 2_500 } },
    durationMs: 10_000,
  },
  {
    name: 'endpoint 5xx',
    description: 'endpoint api1 answers 502 Bad Gateway to every request: it is ejected, and comes back warming when it heals',
    faults: {},
    endpoint: { name: 'api1', faults: { errorShare: 1, errorStatus: 502 } },
    durationMs: 10_000,
  },
];

/** What the injector needs of the simulator's server for an outage. */
export interface OutageControl {
  stopListening(): Promise<void>;
  listenAgain(): Promise<void>;
}

const clearAll: SimFaultsInput = { latencyMs: 0, maintenance: false, failures: [], dropReplyAfterAccept: 0, holdReplyAfterAccept: 0 };

/** What the injector needs of the exchange's endpoints for an endpoint scenario (`SimEndpoints` fits). */
export interface EndpointFaultControl {
  endpoint(name: string): { setFaults(update: SimEndpointFaultsInput): Promise<unknown> };
}

/** An endpoint back to health after its scenario. */
const healthyEndpoint: SimEndpointFaultsInput = { ...ENDPOINT_FAULT_DEFAULTS };

export interface FaultInjectorOptions {
  /** The simulator's base URL. */
  simUrl: string;
  scenarios?: readonly FaultScenario[];
  /** Quiet time before the first and between scenarios; 12 s lets breakers close and the gate recover. */
  quietMs?: number;
  clock?: Clock;
  /** Told when a scenario starts and ends (the demo puts it on the timeline). */
  onChange?: (change: { scenario: FaultScenario; active: boolean }) => void;
  fetch?: typeof globalThis.fetch;
  /** The simulator's server, for outage scenarios. */
  server?: OutageControl;
  /** The exchange's endpoints, for endpoint scenarios. */
  endpoints?: EndpointFaultControl;
}

export const FAULT_INJECTOR_DEFAULTS = {
  scenarios: demoScenarios,
  quietMs: 12_000,
  clock: systemClock as Clock,
  onChange: (() => undefined) as NonNullable<FaultInjectorOptions['onChange']>,
};

export class FaultInjector {
  private readonly o: typeof FAULT_INJECTOR_DEFAULTS & FaultInjectorOptions;
  private cancel: (() => void) | undefined;
  private index = 0;
  private current: FaultScenario | undefined;
  private stopped = true;

  constructor(options: FaultInjectorOptions) {
    this.o = { ...FAULT_INJECTOR_DEFAULTS, ...options };
    checkNumber('faultInjector', 'quietMs', this.o.quietMs, 0);
    if (this.o.scenarios.length === 0) throw new RangeError('faultInjector: scenarios must not be empty');
    const outage = this.o.scenarios.find((s) => s.outage);
    if (outage && !this.o.server) throw new RangeError(`faultInjector: scenario "${outage.name}" is an outage and needs the simulator's server (option server)`);
    const ofEndpoint = this.o.scenarios.find((s) => s.endpoint);
    if (ofEndpoint && !this.o.endpoints) throw new RangeError(`faultInjector: scenario "${ofEndpoint.name}" breaks endpoint ${ofEndpoint.endpoint!.name} and needs the exchange's endpoints (option endpoints)`);
  }

  /** The scenario running now, if any. */
  get active(): FaultScenario | undefined {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.cancel = setTimerOn(this.o.clock, this.o.quietMs, () => void this.next());
  }

  private async send(faults: SimFaultsInput): Promise<void> {
    const response = await (this.o.fetch ?? globalThis.fetch)(`${this.o.simUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (!response.ok) throw new Error(`simulator refused faults: HTTP ${response.status} ${await response.text()}`);
  }

  /** Starts the next scenario now. */
  async next(): Promise<void> {
    if (this.stopped) return;
    const scenario = this.o.scenarios[this.index % this.o.scenarios.length]!;
    this.index++;
    this.current = scenario;
    await this.send(scenario.faults).catch(() => undefined);
    if (scenario.outage) await this.o.server?.stopListening().catch(() => undefined);
    if (scenario.endpoint) await this.setEndpoint(scenario.endpoint.name, scenario.endpoint.faults);
    this.o.onChange({ scenario, active: true });
    this.cancel = setTimerOn(this.o.clock, scenario.durationMs, () => void this.end());
  }

  private async end(): Promise<void> {
    const scenario = this.current;
    this.current = undefined;
    if (scenario?.outage) await this.o.server?.listenAgain().catch(() => undefined);
    if (scenario?.endpoint) await this.setEndpoint(scenario.endpoint.name, healthyEndpoint);
    await this.send(clearAll).catch(() => undefined);
    if (scenario) this.o.onChange({ scenario, active: false });
    if (!this.stopped) this.cancel = setTimerOn(this.o.clock, this.o.quietMs, () => void this.next());
  }

  /** Stops and clears every fault. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    if (this.current) {
      const scenario = this.current;
      this.current = undefined;
      if (scenario.outage) await this.o.server?.listenAgain().catch(() => undefined);
      if (scenario.endpoint) await this.setEndpoint(scenario.endpoint.name, healthyEndpoint);
      await this.send(clearAll).catch(() => undefined);
    }
  }

  private async setEndpoint(name: string, faults: SimEndpointFaultsInput): Promise<void> {
    try {
      await this.o.endpoints?.endpoint(name).setFaults(faults);
    } catch {
      // Best effort, as every fault the injector sends: the demo goes on.
    }
  }
}

export function faultInjector(options: FaultInjectorOptions): FaultInjector {
  return new FaultInjector(options);
}
