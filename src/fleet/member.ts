/**
 * joinFleet(): a bot joins its fleet with one call in its own process. From then on it
 *
 *   - writes a heartbeat every `heartbeatMs` (identity, time) and a snapshot of its gate, breakers,
 *     limits, health and order counts every `snapshotMs` (at once when its gate changes mode);
 *     the instance counts as stale once `ttlMs` passes without one, and is dropped after `dropAfterMs`;
 *   - applies the commands addressed to it or to all (halt, resume, isolate, release, reset),
 *     read from the fleet's command stream through its own consumer group (command-reader.ts:
 *     nothing is lost while it reconnects);
 *   - applies the fleet-wide halt that holds when it joins (the halt key);
 *   - fails safe: with no reply from Redis for `maxDisconnectedMs` it raises the condition
 *     `fleet` (reducing) on its own gate, so no new exposure is taken while the operator cannot
 *     reach it; the first heartbeat that goes through again clears it.
 *
 *   bot                                   Redis                                  ops service
 *   ─ heartbeat + snapshot (pipeline) ──▶ alive:<id> (PX ttl), instance:<id>  ◀─ instances()
 *   ◀─ XREADGROUP BLOCK (group = id) ──── commands stream  ◀─ XADD ──────────── send(), halt()
 *   ─ XACK after applying ──────────────▶                   halt key  ◀─ SET/DEL (fleet-wide)
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import { CommandApplier } from './apply-command.js';
import { ALL, type SentCommand } from './commands.js';
import { CommandReader } from './command-reader.js';
import { type FleetKeys, checkName, FLEET_KEY_DEFAULTS, fleetKeys } from './keys.js';
import { type AppliedCommand, type InstanceHeartbeat, type InstanceIdentity, type InstanceSnapshot, takeSnapshot } from './snapshot.js';
import type { FleetSources } from './sources.js';
import { type HaltState, parseHalt } from './halt-state.js';
import { messageOf } from '../core/errors.js';

/** The gate condition a member raises while it cannot reach Redis. */
export const FLEET_CONDITION = 'fleet';

export interface JoinFleetOptions extends FleetSources {
  /** An ioredis client; the member duplicates it once for its blocking command reads. */
  redis: Redis;
  /** This instance's id, unique in the fleet (e.g. 'bot-a', or host and pid). */
  instance: string;
  fleet?: string;
  prefix?: string;
  /** The bot's version, shown by the ops service. */
  version?: string;
  host?: string;
  heartbeatMs?: number;
  ttlMs?: number;
  dropAfterMs?: number;
  snapshotMs?: number;
  maxDisconnectedMs?: number;
  blockMs?: number;
  clock?: Clock;
}

export const JOIN_FLEET_DEFAULTS = {
  ...FLEET_KEY_DEFAULTS,
  // Unknown unless the bot says; the ops view shows it as is.
  version: 'unknown',
  // The machine's name, as operators know it.
  host: hostname(),
  // Once a second: an instance gone is noticed within a few seconds, for 4 Redis commands a second.
  heartbeatMs: 1_000,
  // Five missed heartbeats: a garbage-collection pause or a slow Redis is not a dead bot.
  ttlMs: 5_000,
  // Ten minutes stale before it leaves the list: long enough for an operator to notice it.
  dropAfterMs: 10 * 60_000,
  // Every five seconds, and at once on a gate change: the dashboard's view, not the control path.
  snapshotMs: 5_000,
  // Ten seconds without Redis: longer than a Sentinel failover, short enough to stop new exposure soon.
  maxDisconnectedMs: 10_000,
  // Five seconds per blocking read: a new command ends the block at once, so this only bounds idle reads.
  blockMs: 5_000,
  // Wall-clock time for heartbeats and the fail-safe.
  clock: systemClock as Clock,
};

/** A reconnecting reader waits this long after a Redis error reply before reading again. */
const READ_RETRY_MS = 1_000;
/** Commands read per XREADGROUP. */
const READ_COUNT = 100;
/** A heartbeat waits at most this long (or half its period) for a snapshot being taken. */
const SNAPSHOT_WAIT_MS = 250;
/** leave() waits this long for its last writes before giving up on them. */
const LEAVE_WRITE_MS = 1_000;

export interface FleetMemberEvents {
  /** A heartbeat (with a snapshot when `snapshot`) reached Redis. */
  heartbeat: { at: number; snapshot: boolean };
  heartbeatFailed: { at: number; error: string };
  /** A command was applied (or could not be: no gate, no such breaker). */
  command: AppliedCommand;
  /** Command entries acknowledged on the stream (applied, or not addressed to this instance): Redis will not deliver them again. */
  acknowledged: { ids: string[] };
  /** The fail-safe condition was raised (no Redis for `maxDisconnectedMs`) or cleared (Redis is back). */
  failSafe: { raised: boolean; at: number; reason: string };
  /** Reading commands failed; the reader retries on its own. */
  readFailed: { at: number; error: string };
}

export interface FleetMemberStatus {
  instance: string;
  fleet: string;
  /** When Redis last answered a heartbeat (or the join, before the first one). */
  lastContactAt: number;
  /** True while the fail-safe condition is raised. */
  failSafe: boolean;
  /** The fleet-wide halt as read at join time (commands keep the gate current after that). */
  haltAtJoin: HaltState | null;
}

type Resolved = typeof JOIN_FLEET_DEFAULTS & Omit<JoinFleetOptions, keyof typeof JOIN_FLEET_DEFAULTS>;

export class FleetMember implements EventSource<FleetMemberEvents> {
  readonly identity: InstanceIdentity;
  /** Resolves once the instance has its consumer group, has applied the fleet-wide halt and sent its first heartbeat. */
  readonly ready: Promise<void>;
  private readonly o: Resolved;
  private readonly keys: FleetKeys;
  private readonly events = new Emitter<FleetMemberEvents>();
  private readonly applier: CommandApplier;
  private readonly reader: CommandReader;
  private readonly offGate: Unsubscribe | undefined;
  private timer: CancelTimer | undefined;
  private beating: Promise<void> | undefined;
  private lastContactAt: number;
  private lastSnapshotAt = -Infinity;
  private snapshotDue = true;
  private snapshotting: Promise<void> | undefined;
  /** A snapshot taken and not yet written (JSON). */
  private readySnapshot: string | undefined;
  private raised = false;
  private left = false;
  /** Aborted by leave(): a heartbeat waiting for a snapshot stops waiting. */
  private readonly leaving = new AbortController();
  private haltAtJoin: HaltState | null = null;
  private readonly commands: InstanceSnapshot['commands'] = { applied: 0, failed: 0, last: null };

  constructor(options: JoinFleetOptions) {
    if (!options || typeof options !== 'object' || !options.redis) throw new TypeError('joinFleet: redis (an ioredis client) is required');
    checkName('joinFleet', 'instance', options.instance);
    this.o = withDefaults(JOIN_FLEET_DEFAULTS, options) as Resolved;
    checkName('joinFleet', 'fleet', this.o.fleet);
    checkNumber('joinFleet', 'heartbeatMs', this.o.heartbeatMs, 0, 2_147_483_647, true);
    checkNumber('joinFleet', 'ttlMs', this.o.ttlMs, this.o.heartbeatMs, 2_147_483_647, true);
    checkNumber('joinFleet', 'dropAfterMs', this.o.dropAfterMs, this.o.ttlMs, 2_147_483_647, true);
    checkNumber('joinFleet', 'snapshotMs', this.o.snapshotMs, 0, 2_147_483_647, true);
    checkNumber('joinFleet', 'maxDisconnectedMs', this.o.maxDisconnectedMs, 0, 2_147_483_647, true);
    checkInteger('joinFleet', 'blockMs', this.o.blockMs, 1);
    this.keys = fleetKeys(this.o.prefix, this.o.fleet);
    const clock = this.o.clock;
    this.identity = { id: this.o.instance, host: this.o.host, pid: process.pid, version: this.o.version, startedAt: clock.now() };
    this.lastContactAt = clock.now();
    this.applier = new CommandApplier(this.o);
    this.reader = new CommandReader({
      // Its own connection: a blocked read holds it. It always reconnects, and does not resend a
      // read cut by a disconnect (the loop reads its pending entries first instead).
      connection: this.o.redis.duplicate({ autoResendUnfulfilledCommands: false, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 100, 2_000) }),
      stream: this.keys.commands,
      group: this.o.instance,
      blockMs: this.o.blockMs,
      count: READ_COUNT,
      retryMs: READ_RETRY_MS,
      clock,
      apply: (sent) => this.apply(sent),
      malformed: (id, error) => this.record({ id, type: 'unknown', target: ALL, by: 'unknown', outcome: 'failed', message: error, at: clock.now() }),
      acknowledged: (ids) => this.events.emit('acknowledged', { ids }),
      failed: (error) => this.events.emit('readFailed', { at: clock.now(), error: messageOf(error) }),
    });
    // A new gate mode reaches the ops view at the next beat, not after snapshotMs.
    this.offGate = this.o.gate?.on('stateChange', () => {
      this.snapshotDue = true;
      this.beatSoon();
    });
    this.schedule();
    this.ready = this.join();
    this.ready.catch(() => undefined);
  }

  on<K extends keyof FleetMemberEvents & string>(name: K, listener: Listener<FleetMemberEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Something the snapshot shows has changed (e.g. a duty taken up): the snapshot goes with the next beat, sent now. */
  publishSoon(): void {
    this.snapshotDue = true;
    this.beatSoon();
  }

  get status(): FleetMemberStatus {
    return { instance: this.o.instance, fleet: this.o.fleet, lastContactAt: this.lastContactAt, failSafe: this.raised, haltAtJoin: this.haltAtJoin };
  }

  /**
   * The group first (every command from now on is delivered), then the halt that holds now, then
   * the first heartbeat. Redis unreachable: the commands wait for the connection. Redis answering
   * an error: tried again every READ_RETRY_MS until it works or the member leaves.
   */
  private async join(): Promise<void> {
    for (;;) {
      try {
        await this.reader.ensureGroup('$');
        break;
      } catch (error) {
        this.events.emit('readFailed', { at: this.o.clock.now(), error: messageOf(error) });
        if (this.left) return;
        await this.o.clock.sleep(READ_RETRY_MS, this.leaving.signal).catch(() => undefined);
      }
    }
    if (this.left) return;
    const halt = parseHalt(await this.o.redis.get(this.keys.halt));
    this.haltAtJoin = halt;
    if (halt && this.o.gate && !this.o.gate.status.killed) this.o.gate.kill(halt.reason, halt.by);
    this.reader.start();
    this.snapshotDue = true;
    // Ready with the first heartbeat that gets through (Redis away: when it is back).
    await new Promise<void>((resolve) => {
      const done = (): void => {
        offBeat();
        this.leaving.signal.removeEventListener('abort', done);
        resolve();
      };
      const offBeat = this.on('heartbeat', done);
      this.leaving.signal.addEventListener('abort', done, { once: true }); // left before it got through
      this.beatSoon();
    });
  }

  private apply(sent: SentCommand): void {
    if (sent.target !== ALL && sent.target !== this.o.instance) return;
    let result: { outcome: 'applied' | 'failed'; message: string };
    try {
      result = this.applier.apply(sent);
    } catch (error) {
      // A command that throws is reported and acknowledged, never retried: it must not block the ones after it.
      result = { outcome: 'failed', message: messageOf(error) };
    }
    this.record({ id: sent.id, type: sent.command.type, target: sent.target, by: sent.by, ...result, at: this.o.clock.now() });
  }

  private record(applied: AppliedCommand): void {
    if (applied.outcome === 'applied') this.commands.applied += 1;
    else this.commands.failed += 1;
    this.commands.last = applied;
    this.snapshotDue = true;
    this.beatSoon();
    this.events.emit('command', applied);
  }

  private schedule(): void {
    if (this.left) return;
    this.timer = setTimerOn(this.o.clock, this.o.heartbeatMs, () => {
      this.checkContact();
      this.beatSoon();
      this.schedule();
    });
  }

  /** Starts a heartbeat unless one is on its way (a reply held up by a reconnect is not piled on). */
  private beatSoon(): void {
    if (this.left || this.beating) return;
    this.beating = this.beat().then(
      () => {
        this.beating = undefined;
        // A change that came while this beat was on its way goes out now, not at the next tick.
        if (this.snapshotDue || this.readySnapshot !== undefined) this.beatSoon();
      },
      () => (this.beating = undefined),
    );
  }

  /**
   * Takes a snapshot apart from the heartbeat: a slow source (a health check near its timeout)
   * delays the snapshot, never the heartbeat that tells the fleet, and the fail-safe, this
   * instance is alive. A finished snapshot goes out with the next heartbeat.
   */
  private startSnapshot(at: number): void {
    this.snapshotDue = false;
    this.snapshotting = takeSnapshot(this.o, this.commands, at)
      .then(
        (snapshot) => {
          this.readySnapshot = JSON.stringify(snapshot);
          this.lastSnapshotAt = at;
        },
        () => {
          this.snapshotDue = true;
        },
      )
      .finally(() => {
        this.snapshotting = undefined;
        this.beatSoon();
      });
  }

  private async beat(): Promise<void> {
    const clock = this.o.clock;
    const at = clock.now();
    if (!this.snapshotting && (this.snapshotDue || at - this.lastSnapshotAt >= this.o.snapshotMs)) this.startSnapshot(at);
    if (this.snapshotting) await waitAtMost(clock, this.snapshotting, Math.min(SNAPSHOT_WAIT_MS, this.o.heartbeatMs / 2), this.leaving.signal);
    if (this.left) return; // leave() writes the last word
    const snapshot = this.readySnapshot;
    this.readySnapshot = undefined;
    const heartbeat: InstanceHeartbeat = { ...this.identity, heartbeatAt: at };
    const fields = ['heartbeat', JSON.stringify(heartbeat), ...(snapshot === undefined ? [] : ['snapshot', snapshot])];
    const key = this.keys.instance(this.o.instance);
    try {
      const results = await this.o.redis
        .pipeline()
        .set(this.keys.alive(this.o.instance), String(at), 'PX', this.o.ttlMs)
        .hset(key, ...fields)
        .pexpire(key, this.o.dropAfterMs)
        .zadd(this.keys.instances, at, this.o.instance)
        .exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
    } catch (error) {
      // The snapshot goes out with the next heartbeat that gets through (unless a newer one is ready).
      if (snapshot !== undefined) this.readySnapshot ??= snapshot;
      this.events.emit('heartbeatFailed', { at: clock.now(), error: messageOf(error) });
      this.checkContact();
      throw error;
    }
    this.lastContactAt = clock.now();
    this.events.emit('heartbeat', { at, snapshot: snapshot !== undefined });
    if (this.raised) this.setFailSafe(false, "the fleet's Redis answers again");
  }

  /** The fail-safe: too long without a reply from Redis moves the gate to reducing. */
  private checkContact(): void {
    if (this.left || this.raised) return;
    const silentMs = this.o.clock.now() - this.lastContactAt;
    if (silentMs > this.o.maxDisconnectedMs) this.setFailSafe(true, `no reply from the fleet's Redis for ${silentMs} ms (limit ${this.o.maxDisconnectedMs} ms)`);
  }

  private setFailSafe(raised: boolean, reason: string): void {
    this.raised = raised;
    if (raised) this.o.gate?.raise(FLEET_CONDITION, 'reducing', reason);
    else this.o.gate?.clear(FLEET_CONDITION, reason);
    this.events.emit('failSafe', { raised, at: this.o.clock.now(), reason });
  }

  /**
   * Leaves the fleet: stops heartbeats and command reads, clears the fail-safe condition, and marks
   * the instance as left (it shows stale at once). Its consumer group stays until the ops side
   * drops the instance, so a restart under the same id gets the commands sent meanwhile.
   */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    this.leaving.abort();
    this.timer?.();
    this.offGate?.();
    if (this.raised) this.setFailSafe(false, 'left the fleet');
    await this.reader.stop();
    // Redis away: its alive key expires by itself (stale after ttlMs); nothing to wait for.
    if (this.o.redis.status !== 'ready') return;
    if (this.beating) await waitAtMost(this.o.clock, this.beating, LEAVE_WRITE_MS);
    const at = this.o.clock.now();
    const write = this.o.redis
      .pipeline()
      .del(this.keys.alive(this.o.instance))
      .hset(this.keys.instance(this.o.instance), 'heartbeat', JSON.stringify({ ...this.identity, heartbeatAt: at, leftAt: at } satisfies InstanceHeartbeat))
      .exec()
      .then(() => undefined, () => undefined);
    await waitAtMost(this.o.clock, write, LEAVE_WRITE_MS);
  }
}

/** Resolves when `promise` settles or after `ms` on `clock`, whichever comes first. */
async function waitAtMost(clock: Clock, promise: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<void> {
  let cancel: CancelTimer | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (cancel = setTimerOn(clock, ms, resolve))), aborted]);
  cancel?.();
  if (onAbort) signal?.removeEventListener('abort', onAbort); // one listener per wait would pile up on the member's signal
}

/** Joins the fleet; see FleetMember. `await member.ready` to know the halt that holds was applied. */
export function joinFleet(options: JoinFleetOptions): FleetMember {
  return new FleetMember(options);
}
