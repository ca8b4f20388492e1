/**
 * The fleet on the timeline: polls the instances and records each change of an instance's state
 * (joined, stale, live again, left, dropped), so an operator sees a bot go quiet where the rest
 * of the incident is told. The first poll only learns the fleet as it is.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkNumber } from '../core/option-checks.js';
import type { FleetControl, InstanceView } from '../fleet/control.js';
import { withDefaults } from '../core/options.js';
import type { LiveEvents, TimelineSeverity } from './live-events.js';

export interface FleetTimelineOptions {
  intervalMs?: number;
  clock?: Clock;
}

export const FLEET_TIMELINE_DEFAULTS = {
  // Two seconds: a stale instance shows within its TTL plus two seconds, for one small read.
  intervalMs: 2_000,
  clock: systemClock as Clock,
};

type InstanceState = 'live' | 'stale' | 'left';

const stateOf = (view: InstanceView): InstanceState => (view.leftAt !== null ? 'left' : view.stale ? 'stale' : 'live');

const MESSAGES: Record<string, { message: string; severity: TimelineSeverity }> = {
  'none>live': { message: 'joined the fleet', severity: 'info' },
  'live>stale': { message: 'stale: no heartbeat within its TTL', severity: 'warning' },
  'stale>live': { message: 'heartbeating again', severity: 'info' },
  'left>live': { message: 'joined the fleet again', severity: 'info' },
  'live>left': { message: 'left the fleet', severity: 'info' },
  'stale>left': { message: 'left the fleet', severity: 'info' },
};

export class FleetTimeline {
  private readonly o: typeof FLEET_TIMELINE_DEFAULTS;
  private known: Map<string, InstanceState> | undefined;
  private timer: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly fleet: FleetControl,
    private readonly events: LiveEvents,
    options: FleetTimelineOptions = {},
  ) {
    this.o = withDefaults(FLEET_TIMELINE_DEFAULTS, options);
    checkNumber('fleetTimeline', 'intervalMs', this.o.intervalMs, 0, Infinity, true);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = (): void => {
      this.timer = setTimerOn(this.o.clock, this.o.intervalMs, () => {
        void this.poll()
          .catch(() => undefined) // Redis away: the fleet's own fail-safe speaks for it; try again next tick
          .finally(() => {
            if (!this.stopped) tick();
          });
      });
    };
    tick();
  }

  /** One look at the fleet: records what changed since the last one. */
  async poll(): Promise<void> {
    const views = await this.fleet.instances();
    const now = new Map(views.map((v) => [v.id, stateOf(v)] as const));
    const before = this.known;
    this.known = now;
    if (!before) return;
    for (const [id, state] of now) {
      const change = MESSAGES[`${before.get(id) ?? 'none'}>${state}`];
      if (change) this.events.record('fleet', `instance ${id}`, change.message, change.severity);
    }
    for (const id of before.keys()) if (!now.has(id)) this.events.record('fleet', `instance ${id}`, 'dropped from the fleet', 'info');
  }

  stop(): void {
    this.stopped = true;
    this.timer?.();
  }
}

export function fleetTimeline(fleet: FleetControl, events: LiveEvents, options?: FleetTimelineOptions): FleetTimeline {
  return new FleetTimeline(fleet, events, options);
}
