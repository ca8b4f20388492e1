/**
 * Shared breakers: a breaker one process opens is open in every process of the fleet until its
 * open time ends, and half-open trials are limited fleet-wide.
 *
 * The hot path stays local: calls go through the process's own breaker, never through Redis.
 * Only changes travel. A local trip (or a failed trial) is announced with one script that bumps
 * the breaker's epoch, stores the change (and, for an open, a key that expires when the open time
 * ends) and publishes it; every other process applies it with `forceOpen` / `forceClose`. A
 * process whose connection comes back reads the stored change and catches up. When the open time
 * ends, each process must hold one of the `trials` slots (SET NX PX) before its breaker lets a
 * trial through, so at most `trials` processes trial at once; the one whose trials succeed
 * announces the close. Guarantees and their limits: docs/fleet.md, "Shared breakers".
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNumber, checkShape, checkString } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import type { CircuitBreaker } from '../policies/breaker/circuit-breaker.js';
import type { StateChange } from '../policies/breaker/state-machine.js';
import type { TrialPermit } from '../policies/breaker/trial-permit.js';
import { SHARED_BREAKER_COMMANDS, breakerKeys } from './shared-breaker-scripts.js';
import { type BreakerChange, parseBreakerChange } from './shared-breaker-message.js';

export interface BreakerSharingOptions {
  /** The connection for commands (an ioredis 5 client). */
  redis: Redis;
  /** The connection for pub/sub; default: `redis.duplicate()`, closed by `close()`. */
  subscriber?: Redis;
  /** Prepended to every key and channel. */
  prefix?: string;
  /** This process's name in the fleet; default: host, pid and a random suffix. */
  instance?: string;
  /** Source of time for the breakers' wake-ups and trial retries. */
  clock?: Clock;
  /** How long a trial slot is held at most (ms): a process that dies mid-trial frees it after this. */
  trialLeaseMs?: number;
  /** How often a half-open process without a trial slot asks again (ms). */
  trialRetryMs?: number;
}

export const BREAKER_SHARING_DEFAULTS = {
  // The fleet's namespace (as joinFleet's), apart from an application's own keys.
  prefix: 'bulwark:fleet:',
  // Longer than any sane trial call (timeouts are shorter), short enough to recover from a dead holder.
  trialLeaseMs: 10_000,
  // One command a second per waiting process is cheap, and a freed slot is taken within a second.
  trialRetryMs: 1_000,
  // Wall-clock time; inject a ManualClock in tests.
  clock: systemClock as Clock,
};

export interface ShareOptions {
  /** The breaker's name in the fleet; default: the breaker's own `name`. Same name, same breaker. */
  name?: string;
  /** Trial calls running at once across the fleet. */
  trials?: number;
}

export const SHARE_DEFAULTS = {
  // One trial at a time across the fleet risks the least, as one trial does in one process.
  trials: 1,
};

export interface BreakerSharingEvents {
  /** This process announced a change of its own breaker. */
  announced: { name: string; state: 'open' | 'closed'; epoch: number; ms: number };
  /** A change announced by another process was applied to this process's breaker. */
  applied: { name: string; state: 'open' | 'closed'; epoch: number; ms: number; from: string; caughtUp: boolean };
  /** This process now holds a trial slot (or, without Redis, trials on its own). */
  trialSlot: { name: string; slot: number };
  /** A Redis command failed; the breakers go on locally. */
  error: { name: string; error: unknown };
}

/** A breaker joined to the fleet. */
export interface SharedBreaker {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  /** Stops sharing: the breaker goes on alone. */
  unshare(): Promise<void>;
}

type ScriptCall = (...keysAndArgs: Array<string | number>) => Promise<unknown>;
type Commands = Record<keyof typeof SHARED_BREAKER_COMMANDS, ScriptCall>;

/** One breaker's part in the fleet. */
class Shared implements SharedBreaker, TrialPermit {
  private readonly keys: ReturnType<typeof breakerKeys>;
  /** The highest epoch seen: older or repeated changes are ignored. */
  private lastEpoch = 0;
  /** Own announcements not yet answered: a close from elsewhere must not undo a newer local open. */
  private pending = 0;
  /** An announcement that failed, sent again when the connection is back. */
  private unsent: 'open' | 'closed' | undefined;
  private slot = -1;
  private slotUntil = 0;
  private inFlight = 0;
  private acquiring = false;
  /** Redis failed when asked for a slot: trial on our own rather than never. */
  private alone = false;
  private cancelWake: CancelTimer | undefined;
  private cancelRetry: CancelTimer | undefined;
  private readonly unsubscribe: Unsubscribe;

  constructor(
    readonly name: string,
    readonly breaker: CircuitBreaker,
    trials: number,
    private readonly hub: BreakerSharing,
  ) {
    this.keys = breakerKeys(hub.prefix, name, trials);
    this.unsubscribe = breaker.on('stateChange', (change) => this.changed(change));
    breaker.setTrialPermit(this);
    // Already open when shared: wake when its open time ends, as for an open it announces.
    if (breaker.state === 'open') this.wakeAfter(breaker.metrics().retryAfterMs);
  }

  get channel(): string {
    return this.keys.channel;
  }

  // ---- local changes -> fleet

  private changed(change: StateChange): void {
    if (change.from === 'half-open') this.releaseSlot();
    switch (change.to) {
      case 'open': {
        const ms = this.breaker.metrics().retryAfterMs;
        if (change.reason !== 'forced-open') this.announce('open', ms);
        this.wakeAfter(ms);
        break;
      }
      case 'closed':
        this.stopTimers();
        // Closed by its own trials (or on what they showed when the half-open wait ran out).
        if (change.reason === 'trials-succeeded' || change.reason === 'half-open-timeout') this.announce('closed', 0);
        break;
      case 'half-open':
        this.acquireSlot();
        break;
      case 'isolated':
      case 'disabled':
      case 'metrics-only':
        this.stopTimers();
        break;
    }
  }

  private announce(state: 'open' | 'closed', ms: number): void {
    this.pending++;
    const { epoch, last, open, channel } = this.keys;
    this.hub.commands.announce(epoch, last, open, channel, state, Math.max(0, Math.ceil(ms)), this.hub.instance).then(
      (reply) => {
        this.pending--;
        const at = Number(reply);
        if (at > this.lastEpoch) this.lastEpoch = at;
        this.hub.emit('announced', { name: this.name, state, epoch: at, ms });
      },
      (error: unknown) => {
        this.pending--;
        this.unsent = state;
        this.hub.emit('error', { name: this.name, error });
      },
    );
  }

  /** Sends again what failed to go out, if the breaker still says so. */
  resend(): void {
    const state = this.unsent;
    this.unsent = undefined;
    if (state === 'open' && this.breaker.state === 'open') this.announce('open', this.breaker.metrics().retryAfterMs);
    else if (state === 'closed' && this.breaker.state === 'closed') this.announce('closed', 0);
  }

  /** Wakes the breaker when its open time ends, so it turns half-open and asks for a slot at once. */
  private wakeAfter(ms: number): void {
    this.cancelWake?.();
    this.cancelWake = setTimerOn(this.hub.clock, ms, () => {
      this.cancelWake = undefined;
      void this.breaker.state;
    });
  }

  private stopTimers(): void {
    this.cancelWake?.();
    this.cancelRetry?.();
    this.cancelWake = this.cancelRetry = undefined;
  }

  // ---- fleet -> local breaker

  /** Applies a change announced elsewhere; `remainingMs` (catch-up) replaces the announced duration. */
  apply(change: BreakerChange, caughtUp: boolean, remainingMs?: number): void {
    if (change.epoch <= this.lastEpoch) return;
    this.lastEpoch = change.epoch;
    if (!caughtUp && change.from === this.hub.instance) return;
    const state = this.breaker.state;
    // Isolated, disabled or metrics-only: the operator's choice stands over the fleet's.
    if (state === 'isolated' || state === 'disabled' || state === 'metrics-only') return;
    if (change.state === 'open') {
      const ms = remainingMs ?? change.ms;
      if (ms <= 0) return;
      if (state === 'open' && this.breaker.metrics().retryAfterMs >= ms) return;
      this.breaker.forceOpen(ms);
      this.wakeAfter(ms);
      this.hub.emit('applied', { name: this.name, state: 'open', epoch: change.epoch, ms, from: change.from, caughtUp });
    } else {
      if (this.pending > 0 || state === 'closed') return;
      this.breaker.forceClose();
      this.hub.emit('applied', { name: this.name, state: 'closed', epoch: change.epoch, ms: 0, from: change.from, caughtUp });
    }
  }

  /** Reads the stored change: an open still running is adopted for its remaining time. */
  async catchUp(): Promise<void> {
    const reply = (await this.hub.commands.catchUp(this.keys.last, this.keys.open)) as [string | null, number];
    const change = reply[0] === null ? undefined : parseBreakerChange(reply[0]);
    if (change === undefined) return;
    if (change.state === 'open') {
      const remaining = Number(reply[1]);
      if (remaining > 0) this.apply(change, true, remaining);
      else if (change.epoch > this.lastEpoch) this.lastEpoch = change.epoch; // its open time is over
    } else {
      this.apply(change, true);
    }
  }

  // ---- trial slots (TrialPermit)

  acquire(): boolean {
    const holds = this.slot >= 0 && this.hub.clock.now() < this.slotUntil;
    if (!holds && !this.alone) {
      this.slot = -1;
      this.acquireSlot();
      return false;
    }
    if (this.inFlight > 0) return false;
    this.inFlight++;
    return true;
  }

  release(): void {
    if (this.inFlight > 0) this.inFlight--;
  }

  private acquireSlot(): void {
    if (this.acquiring || this.slot >= 0) return;
    this.acquiring = true;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    const started = this.hub.clock.now();
    const { trials } = this.keys;
    this.hub.commands.acquireTrial(trials.length, ...trials, this.hub.instance, this.hub.trialLeaseMs).then(
      (reply) => {
        this.acquiring = false;
        this.alone = false;
        const slot = Number(reply);
        if (this.breaker.state !== 'half-open') {
          if (slot >= 0) this.freeSlot(slot);
          return;
        }
        if (slot < 0) return this.retrySlot();
        this.slot = slot;
        this.slotUntil = started + this.hub.trialLeaseMs;
        this.hub.emit('trialSlot', { name: this.name, slot });
      },
      (error: unknown) => {
        this.acquiring = false;
        this.alone = true;
        this.hub.emit('error', { name: this.name, error });
        if (this.breaker.state === 'half-open') this.retrySlot();
      },
    );
  }

  private retrySlot(): void {
    this.cancelRetry?.();
    this.cancelRetry = setTimerOn(this.hub.clock, this.hub.trialRetryMs, () => {
      this.cancelRetry = undefined;
      if (this.breaker.state === 'half-open') this.acquireSlot();
    });
  }

  private releaseSlot(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    if (this.slot < 0) return;
    const slot = this.slot;
    this.slot = -1;
    this.freeSlot(slot);
  }

  private freeSlot(slot: number): void {
    this.hub.commands.releaseTrial(this.keys.trials[slot]!, this.hub.instance).catch((error: unknown) => this.hub.emit('error', { name: this.name, error }));
  }

  async unshare(): Promise<void> {
    this.unsubscribe();
    this.breaker.setTrialPermit(undefined);
    this.stopTimers();
    this.releaseSlot();
    await this.hub.forget(this);
  }
}

/**
 * Shares breakers over one Redis: one pub/sub connection for all of them. Create one per
 * process, then `share(breaker)` each breaker to share; see `shareBreaker` for a single one.
 */
export class BreakerSharing {
  readonly prefix: string;
  readonly instance: string;
  readonly clock: Clock;
  readonly trialLeaseMs: number;
  readonly trialRetryMs: number;
  /** @internal */
  readonly commands: Commands;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly ownSubscriber: boolean;
  private readonly events = new Emitter<BreakerSharingEvents>();
  private readonly byChannel = new Map<string, Shared>();
  private readonly detach: Array<() => void> = [];

  constructor(options: BreakerSharingOptions) {
    const o = withDefaults(BREAKER_SHARING_DEFAULTS, options);
    checkShape('breakerSharing', 'redis', o.redis, 'an ioredis 5 client', ['defineCommand']);
    checkString('breakerSharing', 'prefix', o.prefix);
    checkInteger('breakerSharing', 'trialLeaseMs', o.trialLeaseMs, 1);
    checkNumber('breakerSharing', 'trialRetryMs', o.trialRetryMs, 0, Infinity, true);
    this.trialLeaseMs = o.trialLeaseMs;
    this.trialRetryMs = o.trialRetryMs;
    this.prefix = o.prefix;
    this.clock = o.clock;
    this.instance = o.instance ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.redis = o.redis;
    this.ownSubscriber = o.subscriber === undefined;
    this.subscriber = o.subscriber ?? o.redis.duplicate();
    const commands: Partial<Commands> = {};
    for (const [op, [name, lua, numberOfKeys]] of Object.entries(SHARED_BREAKER_COMMANDS)) {
      this.redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
      const method = (this.redis as unknown as Record<string, ScriptCall>)[name];
      if (typeof method !== 'function') throw new TypeError(`breakerSharing: defineCommand did not add ${name} to the client`);
      commands[op as keyof Commands] = method.bind(this.redis);
    }
    this.commands = commands as Commands;

    const onMessage = (channel: string, message: string): void => {
      const shared = this.byChannel.get(channel);
      const change = shared && parseBreakerChange(message);
      if (shared && change) shared.apply(change, false);
    };
    // Back from an outage: listen again first, then catch up, so no change falls in between.
    const onSubscriberReady = (): void => void this.resync(true);
    const onRedisReady = (): void => void this.resync(false);
    const onError = (): void => undefined; // reported through the failed commands; keeps ioredis from logging each retry
    this.subscriber.on('message', onMessage);
    this.subscriber.on('ready', onSubscriberReady);
    this.redis.on('ready', onRedisReady);
    if (this.ownSubscriber) this.subscriber.on('error', onError);
    this.detach.push(() => {
      this.subscriber.off('message', onMessage);
      this.subscriber.off('ready', onSubscriberReady);
      this.redis.off('ready', onRedisReady);
    });
  }

  on<K extends keyof BreakerSharingEvents & string>(name: K, listener: Listener<BreakerSharingEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** @internal */
  emit<K extends keyof BreakerSharingEvents>(name: K, event: BreakerSharingEvents[K]): void {
    this.events.emit(name, event);
  }

  /**
   * Joins `breaker` to the fleet's breaker of the same name: resolves once it listens for changes
   * and has caught up with the stored one (a running open is adopted for its remaining time).
   */
  async share(breaker: CircuitBreaker, options: ShareOptions = {}): Promise<SharedBreaker> {
    const o = withDefaults(SHARE_DEFAULTS, options);
    const name = o.name ?? breaker.name;
    if (typeof name !== 'string' || name === '') throw new TypeError('breakerSharing: share() needs a name (options.name or the breaker\'s own name)');
    checkInteger('breakerSharing', 'trials', o.trials, 1);
    const trials = o.trials;
    if (this.byChannel.has(breakerKeys(this.prefix, name, trials).channel)) {
      throw new TypeError(`breakerSharing: a breaker named "${name}" is already shared by this process`);
    }
    const shared = new Shared(name, breaker, trials, this);
    this.byChannel.set(shared.channel, shared);
    await this.subscriber.subscribe(shared.channel);
    await shared.catchUp();
    return shared;
  }

  /** @internal */
  async forget(shared: Shared): Promise<void> {
    if (this.byChannel.get(shared.channel) !== shared) return;
    this.byChannel.delete(shared.channel);
    await this.subscriber.unsubscribe(shared.channel).catch(() => undefined);
  }

  private async resync(resubscribe: boolean): Promise<void> {
    const all = [...this.byChannel.values()];
    try {
      if (resubscribe && all.length > 0) await this.subscriber.subscribe(...all.map((s) => s.channel));
      for (const shared of all) {
        shared.resend();
        await shared.catchUp();
      }
    } catch (error) {
      this.emit('error', { name: '', error });
    }
  }

  /** Stops sharing every breaker; closes the pub/sub connection if this made it. */
  async close(): Promise<void> {
    for (const shared of [...this.byChannel.values()]) await shared.unshare();
    for (const undo of this.detach.splice(0)) undo();
    if (this.ownSubscriber) this.subscriber.disconnect();
  }
}

/** Shares breakers over one Redis connection pair; see BreakerSharing. */
export function breakerSharing(options: BreakerSharingOptions): BreakerSharing {
  return new BreakerSharing(options);
}

/**
 * Shares one breaker: `await shareBreaker(breaker, { redis, name: 'binance' })`. Its `close()`
 * stops sharing and closes the pub/sub connection it opened.
 */
export async function shareBreaker(breaker: CircuitBreaker, options: BreakerSharingOptions & ShareOptions): Promise<SharedBreaker & { close(): Promise<void> }> {
  const { name, trials, ...hubOptions } = options;
  const hub = new BreakerSharing(hubOptions);
  try {
    const shared = await hub.share(breaker, { ...(name === undefined ? {} : { name }), ...(trials === undefined ? {} : { trials }) });
    return Object.assign(shared, { close: () => hub.close() });
  } catch (error) {
    await hub.close();
    throw error;
  }
}
