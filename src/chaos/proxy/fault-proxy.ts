/**
 * faultProxy(): a TCP proxy between a program and one of its dependencies (PostgreSQL, Redis, an
 * exchange) that injects network faults, modelled on toxiproxy. Toxics (toxic.ts) can be added,
 * updated and removed while connections are open: each applies to data read after the change, on
 * open and new connections alike. Disabled, the proxy stops listening and drops its connections
 * (clients see the connection refused), as toxiproxy's `enabled: false`.
 *
 *   const proxy = await faultProxy({ listen: ':5433', upstream: '127.0.0.1:5432' });
 *   proxy.addToxic({ type: 'latency', direction: 'downstream', attributes: { latencyMs: 200, jitterMs: 50 } });
 *   // point the program at 127.0.0.1:5433 ...
 *   await proxy.close();
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type Clock, systemClock } from '../../core/clock.js';
import { Emitter, type EventSource } from '../../core/events.js';
import { checkBoolean, checkFunction, checkInteger, checkNonEmptyString, checkObject } from '../../core/option-checks.js';
import { seededRandom } from '../../core/random.js';
import { formatAddress, type HostPort, parseAddress } from './address.js';
import { type ConnectionView, ProxyConnection } from './connection.js';
import { patchToxic, resolveToxic, type Toxic, type ToxicDirection, type ToxicPatch, type ToxicSpec } from './toxic.js';

export interface FaultProxyOptions {
  /** Where to listen: `:5433`, `0.0.0.0:5433` or `{ host, port }`; port 0 picks a free one. */
  listen: string | number | HostPort;
  /** Where connections go: `host:port` or `{ host, port }`. */
  upstream: string | HostPort;
  /** The name the ops API and the logs show. */
  name?: string;
  /** Toxics in place from the start. */
  toxics?: readonly ToxicSpec[];
  /** False: created disabled (not listening) until enable(). */
  enabled?: boolean;
  /** Times every delay; ManualClock in tests. */
  clock?: Clock;
  /** The source for toxicity draws, jitter and slice sizes; seededRandom(seed) when omitted. */
  random?: () => number;
  seed?: number;
  /** Bytes planned but not yet written per direction before the proxy stops reading that side. */
  highWaterMark?: number;
}

export const FAULT_PROXY_DEFAULTS = {
  name: 'proxy', // one proxy needs no name; a registry of them names each
  enabled: true, // a proxy made is a proxy in use
  seed: 1, // the same draws on every run unless the caller asks otherwise
  highWaterMark: 64 * 1024, // a socket's own default buffer: room for a burst, bounded memory per connection
} as const;

/** A proxy as the ops API shows it (JSON-safe). */
export interface FaultProxyView {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: Toxic[];
  connections: number;
}

export interface FaultProxyEvents {
  /** Enabled or disabled. */
  stateChange: { proxy: string; enabled: boolean; at: number };
  connection: { proxy: string; id: number; client: string; toxics: string[] };
  connectionClosed: { proxy: string; id: number; reason: string; bytes: Record<ToxicDirection, number> };
  toxicChange: { proxy: string; action: 'added' | 'updated' | 'removed'; toxic: Toxic };
  /** Bytes (or the end of stream) read from one side, before the toxics: lets a test wait for data to reach the proxy. */
  received: { proxy: string; connection: number; direction: ToxicDirection; bytes: number; end: boolean };
}

export interface FaultProxy extends EventSource<FaultProxyEvents> {
  readonly name: string;
  /** The address listened on (the port picked, when 0 was asked). */
  readonly listen: HostPort;
  readonly upstream: HostPort;
  readonly enabled: boolean;
  toxics(): Toxic[];
  toxic(name: string): Toxic | undefined;
  /** Adds a toxic; refuses a name already in use. */
  addToxic(spec: ToxicSpec): Toxic;
  /** Changes a toxic's direction, toxicity or attributes; connections draw it again. */
  updateToxic(name: string, patch: ToxicPatch): Toxic;
  /** Removes a toxic; false when there was none. */
  removeToxic(name: string): boolean;
  removeAllToxics(): void;
  enable(): Promise<void>;
  /** Stops listening and drops every connection. */
  disable(): Promise<void>;
  connections(): ConnectionView[];
  view(): FaultProxyView;
  /** Stops listening and ends every connection. */
  close(): Promise<void>;
}

/** A toxic name already in use, or one unknown: the caller's mistake, said plainly. */
export class ToxicNameError extends RangeError {
  constructor(
    message: string,
    readonly reason: 'toxic-exists' | 'toxic-unknown',
  ) {
    super(message);
    this.name = 'ToxicNameError';
  }
}

class NetFaultProxy extends Emitter<FaultProxyEvents> implements FaultProxy {
  readonly name: string;
  readonly upstream: HostPort;
  private address: HostPort;
  private server: Server | undefined;
  private list: Toxic[] = [];
  private readonly open = new Map<number, ProxyConnection>();
  private nextId = 1;
  private closed = false;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly highWaterMark: number;

  constructor(options: FaultProxyOptions) {
    super();
    this.name = options.name ?? FAULT_PROXY_DEFAULTS.name;
    checkNonEmptyString('faultProxy', 'name', this.name, true);
    this.address = parseAddress('faultProxy: listen', options.listen);
    this.upstream = parseAddress('faultProxy: upstream', options.upstream, true);
    checkFunction('faultProxy', 'random', options.random, true);
    const seed = options.seed ?? FAULT_PROXY_DEFAULTS.seed;
    checkInteger('faultProxy', 'seed', seed, 0, false, 2 ** 32 - 1);
    this.highWaterMark = options.highWaterMark ?? FAULT_PROXY_DEFAULTS.highWaterMark;
    checkInteger('faultProxy', 'highWaterMark', this.highWaterMark, 1);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? seededRandom(seed);
    for (const spec of options.toxics ?? []) this.addToxic(spec);
  }

  get listen(): HostPort {
    return { ...this.address };
  }

  get enabled(): boolean {
    return this.server !== undefined;
  }

  toxics(): Toxic[] {
    return this.list.map((t) => structuredClone(t));
  }

  toxic(name: string): Toxic | undefined {
    const found = this.list.find((t) => t.name === name);
    return found && structuredClone(found);
  }

  addToxic(spec: ToxicSpec): Toxic {
    const toxic = resolveToxic(spec);
    if (this.list.some((t) => t.name === toxic.name)) throw new ToxicNameError(`${this.name}: a toxic named "${toxic.name}" exists; update or remove it, or give another name`, 'toxic-exists');
    this.list = [...this.list, toxic];
    for (const connection of this.open.values()) connection.draw(toxic);
    this.emit('toxicChange', { proxy: this.name, action: 'added', toxic: structuredClone(toxic) });
    return structuredClone(toxic);
  }

  updateToxic(name: string, patch: ToxicPatch): Toxic {
    const index = this.list.findIndex((t) => t.name === name);
    if (index < 0) throw new ToxicNameError(`${this.name}: no toxic named "${name}"`, 'toxic-unknown');
    const toxic = patchToxic(this.list[index] as Toxic, patch);
    this.list = this.list.map((t, i) => (i === index ? toxic : t));
    for (const connection of this.open.values()) connection.draw(toxic);
    this.emit('toxicChange', { proxy: this.name, action: 'updated', toxic: structuredClone(toxic) });
    return structuredClone(toxic);
  }

  removeToxic(name: string): boolean {
    const toxic = this.list.find((t) => t.name === name);
    if (!toxic) return false;
    this.list = this.list.filter((t) => t !== toxic);
    for (const connection of [...this.open.values()]) connection.forget(name);
    this.emit('toxicChange', { proxy: this.name, action: 'removed', toxic: structuredClone(toxic) });
    return true;
  }

  removeAllToxics(): void {
    for (const toxic of [...this.list]) this.removeToxic(toxic.name);
  }

  async enable(): Promise<void> {
    if (this.closed) throw new Error(`${this.name}: closed; make a new proxy`);
    if (this.server) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    if (bound && typeof bound === 'object') this.address = { host: this.address.host, port: bound.port };
    this.server = server;
    this.emit('stateChange', { proxy: this.name, enabled: true, at: this.clock.now() });
  }

  async disable(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of [...this.open.values()]) connection.destroy('proxy-disabled');
    await stopped;
    if (!this.closed) this.emit('stateChange', { proxy: this.name, enabled: false, at: this.clock.now() });
  }

  connections(): ConnectionView[] {
    return [...this.open.values()].map((c) => c.view());
  }

  view(): FaultProxyView {
    return { name: this.name, listen: formatAddress(this.address), upstream: formatAddress(this.upstream), enabled: this.enabled, toxics: this.toxics(), connections: this.open.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    const server = this.server;
    this.server = undefined;
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const connection of [...this.open.values()]) connection.destroy('proxy-closed');
    await stopped;
  }

  private accept(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const connection = new ProxyConnection(this.nextId++, socket, {
      clock: this.clock,
      random: this.random,
      highWaterMark: this.highWaterMark,
      upstream: this.upstream,
      toxics: () => this.list,
      onReceived: (c, direction, bytes, end) => this.emit('received', { proxy: this.name, connection: c.id, direction, bytes, end }),
      onClosed: (c, reason) => {
        this.open.delete(c.id);
        this.emit('connectionClosed', { proxy: this.name, id: c.id, reason, bytes: c.view().bytes });
      },
    });
    this.open.set(connection.id, connection);
    this.emit('connection', { proxy: this.name, id: connection.id, client: connection.clientAddress, toxics: connection.view().toxics });
  }
}

/** A fault proxy, listening unless `enabled: false`. */
export async function faultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  checkObject('faultProxy', 'options', options, '{ listen, upstream }');
  if (options.enabled !== undefined) checkBoolean('faultProxy', 'enabled', options.enabled);
  const proxy = new NetFaultProxy(options);
  if (options.enabled ?? FAULT_PROXY_DEFAULTS.enabled) await proxy.enable();
  return proxy;
}
