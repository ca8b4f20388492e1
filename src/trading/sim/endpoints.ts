/**
 * One simulated exchange behind several endpoints, as Binance serves one API from api1..api4:
 * every endpoint is its own HTTP listener (its own port) in front of ONE router and engine (one
 * order book, one set of orders, the exchange's faults of faults.ts), and each has faults of its
 * own (endpoint-faults.ts): down, extra latency, 5xx answers, flapping.
 *
 * Control plane, on every endpoint (JSON; not counted, not subject to the endpoint's faults):
 *   GET  /_sim/endpoints                     every endpoint: name, url, listening, faults, stats
 *   PUT|POST /_sim/endpoints/NAME/faults     merge an update into NAME's faults (endpoint-faults.ts)
 *   /_sim/...                                the exchange's own control plane (server.ts)
 * An endpoint told to go down by its own control plane answers first, then stops listening.
 */
import { type CancelTimer, type Clock, setTimerOn } from '../../core/clock.js';
import { checkInteger } from '../../core/option-checks.js';
import { seededRandom } from '../../core/random.js';
import { withDefaults } from '../../core/options.js';
import { type SimEndpointFaults, type SimEndpointFaultsInput, noEndpointFaults, updateEndpointFaults } from './endpoint-faults.js';
import { type HttpFront, startHttpFront } from './http-front.js';
import { type SimReply, type SimRequest, type SimRouter, type SimRouterOptions, createSimRouter } from './router.js';
import type { SimServer } from './server.js';

export interface SimEndpointsOptions extends SimRouterOptions {
  /** One endpoint per name, in this order. */
  names?: readonly string[];
  /** Interface every endpoint binds; loopback keeps the simulator private to this machine. */
  host?: string;
  /** Port per endpoint, in the order of `names` (0 or missing: a free one). */
  ports?: readonly number[];
  /** Faults of endpoints from the start, by name. */
  endpointFaults?: Readonly<Record<string, SimEndpointFaultsInput>>;
}

export const SIM_ENDPOINTS_DEFAULTS = {
  // Three hosts: enough to lose one and still have a choice, as the demo runs.
  names: ['api1', 'api2', 'api3'] as readonly string[],
  // Loopback only: a simulator has no business being reachable from elsewhere.
  host: '127.0.0.1',
  // Free ports: parallel test files never collide.
  ports: [] as readonly number[],
  // Every endpoint healthy.
  endpointFaults: {} as Readonly<Record<string, SimEndpointFaultsInput>>,
};

export interface SimEndpointStats {
  /** API requests that reached this endpoint (control-plane requests excluded; none while it is down). */
  requests: number;
  /** API requests per "METHOD /path". */
  byRoute: Record<string, number>;
  /** Requests it answered with its `errorStatus` (they never reached the exchange). */
  errorsAnswered: number;
}

export interface SimEndpoint {
  readonly name: string;
  /** Base URL, e.g. http://127.0.0.1:40123 (the same while it is down). */
  readonly url: string;
  /** Whether it accepts connections now. */
  readonly listening: boolean;
  faults(): SimEndpointFaults;
  /** Merges an update into its faults; resolves once it listens (or not) as they say. */
  setFaults(update: SimEndpointFaultsInput): Promise<SimEndpointFaults>;
  /** Shorthands: `setFaults({ down: true })` and `setFaults({ down: false })`. */
  stopListening(): Promise<void>;
  listenAgain(): Promise<void>;
  stats(): SimEndpointStats;
  resetStats(): void;
}

export interface SimEndpoints extends Omit<SimRouter, 'handle'> {
  readonly endpoints: readonly SimEndpoint[];
  /** The endpoint of that name; throws naming the known ones otherwise. */
  endpoint(name: string): SimEndpoint;
  /** The endpoints as failover endpoint specs (`{ name, target: url }`), for `resilientExchange({ endpoints })`. */
  specs(): Array<{ name: string; target: string }>;
  /**
   * The whole exchange as one `SimServer`: its url is the first endpoint's (every endpoint serves the
   * control plane), an outage (`stopListening`) takes every endpoint down and `listenAgain` brings
   * every one back, and it listens while any endpoint does.
   */
  asServer(): SimServer;
  /** Stops every endpoint (and its flapping). */
  close(): Promise<void>;
}

/** Starts the exchange and every endpoint; resolves once each listens (or is down, as its faults say). */
export async function startSimEndpoints(options: SimEndpointsOptions = {}): Promise<SimEndpoints> {
  const o = withDefaults(SIM_ENDPOINTS_DEFAULTS, options);
  if (o.names.length === 0) throw new RangeError('sim endpoints: names must name at least one endpoint');
  const unique = new Set(o.names);
  if (unique.size !== o.names.length) throw new RangeError(`sim endpoints: names must be unique, got ${JSON.stringify(o.names)}`);
  for (const name of o.names) if (!/^[\w.-]{1,64}$/.test(name)) throw new TypeError(`sim endpoints: name must be 1-64 letters, digits or . _ -, got ${JSON.stringify(name)}`);
  o.ports.forEach((port, i) => checkInteger('sim endpoints', `ports[${i}]`, port, 0, false, 65_535));
  for (const name of Object.keys(o.endpointFaults)) if (!unique.has(name)) throw new RangeError(`sim endpoints: endpointFaults names "${name}", not one of ${o.names.join(', ')}`);

  const router = createSimRouter(options);
  const clock = router.engine.clock;
  const seed = options.seed ?? 42;
  const endpoints: EndpointImpl[] = [];
  const byName = (name: string): EndpointImpl | undefined => endpoints.find((e) => e.name === name);

  /** The endpoints' control plane; undefined when the path is not one of its routes. */
  const control = async (self: EndpointImpl, request: SimRequest, path: string): Promise<SimReply | undefined> => {
    const method = request.method.toUpperCase();
    if (path === '/_sim/endpoints' && method === 'GET') return json(200, endpoints.map((e) => e.view()));
    const match = /^\/_sim\/endpoints\/([^/]+)\/faults$/.exec(path);
    if (!match) return undefined;
    const target = byName(decodeURIComponent(match[1]!));
    if (!target) return json(404, { error: `no endpoint "${match[1]}": ${o.names.join(', ')}` });
    if (method === 'GET') return json(200, target.faults());
    if (method !== 'PUT' && method !== 'POST') return json(404, { error: `unknown control route ${method} ${path}` });
    try {
      const update = request.body.trim() === '' ? {} : (JSON.parse(request.body) as unknown);
      const faults = target.update(update);
      // Going down by its own control plane: the answer leaves first.
      if (target === self) setImmediate(() => void target.sync());
      else await target.sync();
      return json(200, faults);
    } catch (error) {
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
  };

  try {
    for (const [i, name] of o.names.entries()) {
      const endpoint = new EndpointImpl(name, router, clock, seededRandom(seed * 31 + i + 1), control);
      endpoints.push(endpoint);
      await endpoint.start(o.host, o.ports[i] ?? 0, o.endpointFaults[name] ?? {});
    }
  } catch (error) {
    await Promise.all(endpoints.map((e) => e.close()));
    throw error;
  }
  const close = async (): Promise<void> => {
    await Promise.all(endpoints.map((e) => e.close()));
  };
  const shared = { engine: router.engine, stats: router.stats, resetStats: router.resetStats, faults: router.faults, setFaults: router.setFaults };
  return {
    ...shared,
    endpoints,
    endpoint(name) {
      const found = byName(name);
      if (!found) throw new RangeError(`sim endpoints: no endpoint "${name}" (${o.names.join(', ')})`);
      return found;
    },
    specs: () => endpoints.map((e) => ({ name: e.name, target: e.url })),
    asServer: () => ({
      ...shared,
      url: endpoints[0]!.url,
      get listening() {
        return endpoints.some((e) => e.listening);
      },
      stopListening: async () => {
        await Promise.all(endpoints.map((e) => e.stopListening()));
      },
      listenAgain: async () => {
        await Promise.all(endpoints.map((e) => e.listenAgain()));
      },
      close,
    }),
    close,
  };
}

type Control = (self: EndpointImpl, request: SimRequest, path: string) => Promise<SimReply | undefined>;

class EndpointImpl implements SimEndpoint {
  private front: HttpFront | undefined;
  private current: SimEndpointFaults = noEndpointFaults();
  private counters: SimEndpointStats = { requests: 0, byRoute: {}, errorsAnswered: 0 };
  /** Down for the flapping's half-cycle. */
  private flappedDown = false;
  private cancelFlap: CancelTimer | undefined;
  /** Listening changes, one after another. */
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly name: string,
    private readonly router: SimRouter,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly control: Control,
  ) {}

  async start(host: string, port: number, faults: SimEndpointFaultsInput): Promise<void> {
    this.front = await startHttpFront((request) => this.handle(request), { host, port, clock: this.clock });
    this.update(faults);
    await this.sync();
  }

  get url(): string {
    return this.front?.url ?? '';
  }

  get listening(): boolean {
    return this.front?.listening ?? false;
  }

  faults(): SimEndpointFaults {
    return { ...this.current };
  }

  async setFaults(update: SimEndpointFaultsInput): Promise<SimEndpointFaults> {
    const faults = this.update(update);
    await this.sync();
    return faults;
  }

  async stopListening(): Promise<void> {
    await this.setFaults({ down: true });
  }

  async listenAgain(): Promise<void> {
    await this.setFaults({ down: false });
  }

  stats(): SimEndpointStats {
    return { ...this.counters, byRoute: { ...this.counters.byRoute } };
  }

  resetStats(): void {
    this.counters = { requests: 0, byRoute: {}, errorsAnswered: 0 };
  }

  view(): { name: string; url: string; listening: boolean; faults: SimEndpointFaults; stats: SimEndpointStats } {
    return { name: this.name, url: this.url, listening: this.listening, faults: this.faults(), stats: this.stats() };
  }

  /** Merges an update; a change of `flapMs` restarts the flapping (up first). Does not touch the listener: `sync` does. */
  update(update: unknown): SimEndpointFaults {
    const before = this.current.flapMs;
    this.current = updateEndpointFaults(this.current, update);
    if (this.current.flapMs !== before) {
      this.cancelFlap?.();
      this.cancelFlap = undefined;
      this.flappedDown = false;
      if (this.current.flapMs > 0) this.flap();
    }
    return this.faults();
  }

  private flap(): void {
    this.cancelFlap = setTimerOn(this.clock, this.current.flapMs, () => {
      this.flappedDown = !this.flappedDown;
      void this.sync();
      this.flap();
    });
  }

  /** Listens or not, as the faults and the flapping say now. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const front = this.front;
      if (!front || this.closed) return;
      const up = !this.current.down && !this.flappedDown;
      if (up) await front.listenAgain();
      else await front.stopListening();
    });
    return this.syncing;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelFlap?.();
    this.cancelFlap = undefined;
    await this.syncing.catch(() => undefined);
    await this.front?.stopListening();
  }

  private async handle(request: SimRequest): Promise<SimReply> {
    const path = new URL(request.url, 'http://sim').pathname;
    if (path.startsWith('/_sim/')) return (await this.control(this, request, path)) ?? this.router.handle(request);
    const route = `${request.method.toUpperCase()} ${path}`;
    this.counters.requests++;
    this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;
    const { errorShare, errorStatus, latencyMs } = this.current;
    if (errorShare > 0 && (errorShare >= 1 || this.random() < errorShare)) {
      this.counters.errorsAnswered++;
      // A load balancer's answer for a sick host: the request never reached the exchange.
      return { kind: 'reply', status: errorStatus, headers: { 'Content-Type': 'text/html' }, body: `<html><body><h1>${errorStatus} ${this.name}</h1></body></html>`, delayMs: latencyMs };
    }
    const reply = await this.router.handle(request);
    return reply.kind === 'reply' && latencyMs > 0 ? { ...reply, delayMs: reply.delayMs + latencyMs } : reply;
  }
}

function json(status: number, body: unknown): SimReply {
  return { kind: 'reply', status, headers: { 'Content-Type': 'application/json;charset=UTF-8' }, body: JSON.stringify(body), delayMs: 0 };
}
