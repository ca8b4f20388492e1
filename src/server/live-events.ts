/**
 * The live event hub behind the dashboard: a bounded timeline of state changes (breakers, the
 * trading gate, health, alerts, operator actions, injected faults, failover groups) and a fan-out to every open
 * event stream. `bindTimeline` subscribes it to the components' typed events.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import type { HealthRegistry } from '../health/registry.js';
import type { AlertEngine } from '../observe/alerts/engine.js';
import type { TradingGate } from '../trading/gate.js';
import { type BreakerDirectory, breakerName } from './components.js';

export type TimelineKind = 'breaker' | 'gate' | 'health' | 'alert' | 'operator' | 'fault' | 'order' | 'fleet' | 'failover';
export type TimelineSeverity = 'info' | 'warning' | 'critical';

export interface TimelineEntry {
  /** Increases by one per entry: a client that reconnects asks for what it missed. */
  id: number;
  at: number;
  kind: TimelineKind;
  /** What changed, e.g. a breaker's name. */
  subject: string;
  message: string;
  severity: TimelineSeverity;
  /** Who made an operator action happen ('operator' when the request named nobody). */
  actor?: string;
}

export interface LiveEvent {
  type: string;
  data: unknown;
}

export interface LiveEventsOptions {
  clock?: Clock;
  /** Timeline entries kept; 500 tells an incident's story and stays small. */
  capacity?: number;
}

export const LIVE_EVENTS_DEFAULTS = {
  clock: systemClock as Clock,
  capacity: 500,
};

export class LiveEvents {
  private readonly o: typeof LIVE_EVENTS_DEFAULTS;
  private readonly entries: TimelineEntry[] = [];
  private readonly emitter = new Emitter<{ event: LiveEvent }>();
  private nextId = 1;
  private subscribers = 0;

  constructor(options: LiveEventsOptions = {}) {
    this.o = { ...LIVE_EVENTS_DEFAULTS, ...options };
    checkInteger('liveEvents', 'capacity', this.o.capacity, 1);
  }

  /** Adds a timeline entry and streams it to every subscriber as a `timeline` event. */
  record(kind: TimelineKind, subject: string, message: string, severity: TimelineSeverity = 'info', by: { actor?: string } = {}): TimelineEntry {
    const entry: TimelineEntry = { id: this.nextId++, at: this.o.clock.now(), kind, subject, message, severity, ...(by.actor ? { actor: by.actor } : {}) };
    this.entries.push(entry);
    if (this.entries.length > this.o.capacity) this.entries.shift();
    this.publish('timeline', entry);
    return entry;
  }

  /** Sends an event to every subscriber (not kept). */
  publish(type: string, data: unknown): void {
    this.emitter.emit('event', { type, data });
  }

  subscribe(listener: (event: LiveEvent) => void): Unsubscribe {
    this.subscribers++;
    const off = this.emitter.on('event', listener);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscribers--;
      off();
    };
  }

  /** Open subscriptions (event streams). */
  get listeners(): number {
    return this.subscribers;
  }

  /** Entries newest first; `afterId` keeps only later ones. */
  timeline(options: { limit?: number; afterId?: number } = {}): TimelineEntry[] {
    const { limit = 100, afterId = 0 } = options;
    const out: TimelineEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (e.id <= afterId) break;
      out.push(e);
    }
    return out;
  }
}

export function liveEvents(options?: LiveEventsOptions): LiveEvents {
  return new LiveEvents(options);
}

export interface TimelineSources {
  breakers?: BreakerDirectory;
  gate?: TradingGate;
  health?: HealthRegistry;
  alerts?: AlertEngine;
}

const breakerSeverity = (to: string): TimelineSeverity => (to === 'open' || to === 'isolated' ? 'critical' : to === 'half-open' ? 'warning' : 'info');

/** Records the components' state changes on the timeline; returns the unbinder. */
export function bindTimeline(events: LiveEvents, sources: TimelineSources): Unsubscribe {
  const offs: Unsubscribe[] = [];
  for (const breaker of sources.breakers?.breakers() ?? []) {
    offs.push(breaker.on('stateChange', ({ from, to, reason }) => events.record('breaker', breakerName(breaker), `${from} → ${to} (${reason})`, breakerSeverity(to))));
  }
  if (sources.gate) {
    offs.push(
      sources.gate.on('stateChange', ({ from, to, reason }) =>
        events.record('gate', 'trading gate', `${from} → ${to}: ${reason}`, to === 'halted' ? 'critical' : to === 'reducing' ? 'warning' : 'info'),
      ),
    );
  }
  if (sources.health) {
    offs.push(
      sources.health.on('stateChange', (change) => {
        if (change.scope !== 'overall') return;
        const { from, to } = change;
        events.record('health', 'service', `health ${from} → ${to}`, to === 'down' ? 'critical' : to === 'degraded' ? 'warning' : 'info');
      }),
    );
  }
  if (sources.alerts) {
    offs.push(
      sources.alerts.on('stateChange', ({ rule, from, to, reason, value }) =>
        events.record('alert', rule, `${from} → ${to}: ${reason} (value ${Number.isFinite(value) ? Number(value.toFixed(4)) : value})`, to === 'firing' ? 'critical' : 'info'),
      ),
    );
  }
  return () => {
    for (const off of offs) off();
  };
}
