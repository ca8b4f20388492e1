/**
 * One client connection through the proxy: the client's socket, a socket to the upstream, and a
 * link each way (link.ts). Every toxic of the proxy is drawn for the connection when it opens, or
 * when the toxic is added or updated later (toxicity: the share of connections it applies to);
 * each chunk read is planned through the toxics of its direction, in the proxy's order.
 */
import { connect, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { Link } from './link.js';
import type { Toxic, ToxicDirection } from './toxic.js';
import { type Ending, type EffectContext, type Scheduled, type ToxicEffect, toxicEffect } from './toxic-effects.js';

/** A connection as the proxy lists it. */
export interface ConnectionView {
  id: number;
  /** The client's address and port. */
  client: string;
  openedAt: number;
  /** Bytes read from the client (`upstream`) and from the server (`downstream`). */
  bytes: Record<ToxicDirection, number>;
  /** Steps planned by the toxics and not yet carried out, each way: pieces of data and endings. */
  pending: Record<ToxicDirection, { steps: number; bytes: number }>;
  /** The toxics that apply to this connection (drawn by toxicity). */
  toxics: string[];
}

export interface ConnectionDeps {
  clock: Clock;
  random: () => number;
  highWaterMark: number;
  upstream: { host: string; port: number };
  /** The proxy's toxics, in order. */
  toxics(): readonly Toxic[];
  onReceived(connection: ProxyConnection, direction: ToxicDirection, bytes: number, end: boolean): void;
  onClosed(connection: ProxyConnection, reason: string): void;
}

interface Drawn {
  toxic: Toxic;
  /** Undefined when the draw left this connection out. */
  effect: ToxicEffect | undefined;
}

export class ProxyConnection {
  readonly openedAt: number;
  private readonly server: Socket;
  private readonly links: Record<ToxicDirection, Link>;
  private readonly drawn = new Map<string, Drawn>();
  private readonly bytes: Record<ToxicDirection, number> = { upstream: 0, downstream: 0 };
  private closedBy: string | undefined;
  private socketsOpen = 2;
  private upstreamConnected = false;

  constructor(
    readonly id: number,
    private readonly client: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.openedAt = deps.clock.now();
    this.server = connect({ host: deps.upstream.host, port: deps.upstream.port, allowHalfOpen: true });
    const ending = (target: Socket) => (kind: Ending, reason: string | undefined) => {
      if (kind === 'end') target.end();
      else if (kind === 'close') this.close(reason ?? 'closed');
      else this.reset(reason ?? 'reset');
    };
    const linkOptions = (target: Socket) => ({ clock: deps.clock, highWaterMark: deps.highWaterMark, onEnding: ending(target) });
    this.links = { upstream: new Link(client, this.server, linkOptions(this.server)), downstream: new Link(this.server, client, linkOptions(client)) };
    for (const toxic of deps.toxics()) this.draw(toxic);
    this.wire(client, 'upstream');
    this.wire(this.server, 'downstream');
    this.server.once('connect', () => {
      this.upstreamConnected = true;
      this.server.setNoDelay(true);
    });
    client.setNoDelay(true);
  }

  /** `ip:port` of the client. */
  get clientAddress(): string {
    return `${this.client.remoteAddress ?? '?'}:${this.client.remotePort ?? '?'}`;
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  view(): ConnectionView {
    const pending = (link: Link) => ({ steps: link.pendingSteps, bytes: link.pendingBytes });
    return { id: this.id, client: this.clientAddress, openedAt: this.openedAt, bytes: { ...this.bytes }, pending: { upstream: pending(this.links.upstream), downstream: pending(this.links.downstream) }, toxics: [...this.drawn.values()].filter((d) => d.effect).map((d) => d.toxic.name) };
  }

  /** Draws `toxic` for this connection (again, when it was updated): its effect starts afresh. */
  draw(toxic: Toxic): void {
    this.drawn.get(toxic.name)?.effect?.stop();
    const applies = toxic.toxicity >= 1 || (toxic.toxicity > 0 && this.deps.random() < toxic.toxicity);
    this.drawn.set(toxic.name, { toxic, effect: applies ? toxicEffect(toxic, this.context()) : undefined });
  }

  /** Forgets a removed toxic; a connection whose bytes it dropped is closed. */
  forget(name: string): void {
    const drawn = this.drawn.get(name);
    this.drawn.delete(name);
    if (drawn?.effect?.stop()) this.close('toxic-removed');
  }

  /** Closes both sides gracefully: what was written still arrives, then the end of stream. */
  close(reason: string): void {
    if (!this.finish(reason)) return;
    for (const socket of [this.client, this.server]) {
      socket.end();
      socket.destroySoon();
    }
  }

  /** Resets both sides (TCP RST): the peers see ECONNRESET. */
  reset(reason: string): void {
    if (!this.finish(reason)) return;
    for (const socket of [this.client, this.server]) if (!socket.destroyed) socket.resetAndDestroy();
  }

  /** Destroys both sides at once (the proxy is closing or disabled). */
  destroy(reason: string): void {
    this.finish(reason);
    this.client.destroy();
    this.server.destroy();
  }

  private context(): EffectContext {
    return { clock: this.deps.clock, random: this.deps.random, close: (reason) => this.close(reason) };
  }

  /** Marks the connection closed once, stopping links and effects; false when it already was. */
  private finish(reason: string): boolean {
    if (this.closedBy !== undefined) return false;
    this.closedBy = reason;
    this.links.upstream.stop();
    this.links.downstream.stop();
    for (const drawn of this.drawn.values()) drawn.effect?.stop();
    this.deps.onClosed(this, reason);
    return true;
  }

  /** The plan for one chunk or end read from a side: the toxics of that direction, in order. */
  private plan(direction: ToxicDirection, first: Scheduled, now: number): Scheduled[] {
    let plan = [first];
    for (const toxic of this.deps.toxics()) {
      if (toxic.direction !== direction) continue;
      const effect = this.drawn.get(toxic.name)?.effect;
      if (!effect) continue;
      plan = first.data ? effect.data(plan, now) : effect.end ? effect.end(plan, now) : plan;
    }
    return plan;
  }

  private wire(socket: Socket, direction: ToxicDirection): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.bytes[direction] += chunk.length;
      this.deps.onReceived(this, direction, chunk.length, false);
      const now = this.deps.clock.now();
      this.links[direction].enqueue(this.plan(direction, { at: now, data: chunk }, now));
    });
    socket.on('end', () => {
      if (this.closed) return;
      this.deps.onReceived(this, direction, 0, true);
      const now = this.deps.clock.now();
      this.links[direction].enqueue(this.plan(direction, { at: now, end: 'end' }, now));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closed) return;
      if (socket === this.server && error.code !== 'ECONNRESET') return this.destroy(this.upstreamConnected ? 'upstream-error' : 'upstream-unreachable');
      // A reset on one side is passed on as a reset: the other peer sees what a direct connection would show.
      if (error.code === 'ECONNRESET') return this.reset(direction === 'upstream' ? 'client-reset' : 'upstream-reset');
      this.destroy('error');
    });
    socket.on('close', () => {
      this.socketsOpen -= 1;
      if (this.socketsOpen === 0) this.finish('end');
      // Gone without an end of stream (destroyed, not half-closed): nothing more can flow, so the other side ends too.
      else if (!this.closed && !socket.readableEnded) this.close(direction === 'upstream' ? 'client-closed' : 'upstream-closed');
    });
  }
}
