/**
 * Leader election over a Redis lease with fencing tokens, for the duties one process of the fleet
 * must do alone (reconciling a dead bot's intents, backups, retention, alert evaluation).
 *
 * A contender takes the lease with SET NX PX and a token from INCR (a new leadership always gets
 * a larger token); the leader renews it every `renewMs` with a compare-and-extend script. It counts
 * itself deposed when a renewal finds the lease gone or another's, or when `leaseMs` has passed
 * since the last renewal it sent that succeeded (Redis unreachable): by then the lease may have
 * expired and another may lead. Writes on the leader's behalf carry its token and go through a
 * guarded write (see leader-fence.ts), which refuses a token older than one it has already seen:
 * a deposed leader that has not noticed yet (a long GC pause, a partition) cannot overwrite the
 * work of its successor.
 *
 * Takeover: when a leader dies, its lease expires at most `leaseMs` after its last renewal, and a
 * contender asks every `renewMs`; so another leads within `leaseMs + renewMs` of the death (plus
 * a round trip). Guarantees and their limits: docs/fleet.md, "Leader election".
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkInteger, checkNonEmptyString, checkShape, checkString } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import { LEADER_COMMANDS, leaderKeys } from './leader-scripts.js';

export interface LeaderElectionOptions {
  /** An ioredis 5 client. */
  redis: Redis;
  /** The duty elected for; contenders with the same name and prefix elect one leader. */
  name: string;
  /** This process's name in the fleet; default: host, pid and a random suffix. */
  instance?: string;
  /** Prepended to every key. */
  prefix?: string;
  /** How long a lease lasts without renewal (ms): the longest a dead leader blocks the duty. */
  leaseMs?: number;
  /** How often the leader renews and a contender asks (ms); less than `leaseMs`. */
  renewMs?: number;
  /** Source of time for the renewals and the lease's local deadline. */
  clock?: Clock;
}

export const LEADER_ELECTION_DEFAULTS = {
  // The fleet's namespace (as joinFleet's), apart from an application's own keys.
  prefix: 'bulwark:fleet:',
  // A dead leader's duties wait at most ~13 s; a Redis failover (a few seconds) does not depose it.
  leaseMs: 10_000,
  // Three renewals per lease: two may be lost before the leader steps down.
  renewMs: 3_000,
  // Wall-clock time; inject a ManualClock in tests.
  clock: systemClock as Clock,
};

import { type DeposedReason, ElectionBase } from './election-base.js';

export type { DeposedReason, LeaderElectionEvents } from './election-base.js';

type ScriptCall = (...keysAndArgs: Array<string | number>) => Promise<unknown>;

export class LeaderElection extends ElectionBase {
  readonly name: string;
  readonly instance: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  private readonly clock: Clock;
  private readonly keys: ReturnType<typeof leaderKeys>;
  private readonly commands: Record<keyof typeof LEADER_COMMANDS, ScriptCall>;
  private busy = false;
  private cancelExpiry: CancelTimer | undefined;

  constructor(options: LeaderElectionOptions) {
    super();
    const o = withDefaults(LEADER_ELECTION_DEFAULTS, options);
    checkShape('leaderElection', 'redis', o.redis, 'an ioredis 5 client', ['defineCommand']);
    checkNonEmptyString('leaderElection', 'name', o.name);
    checkString('leaderElection', 'prefix', o.prefix);
    checkInteger('leaderElection', 'leaseMs', o.leaseMs, 1);
    checkInteger('leaderElection', 'renewMs', o.renewMs, 1);
    this.leaseMs = o.leaseMs;
    this.renewMs = o.renewMs;
    if (this.renewMs >= this.leaseMs) throw new RangeError(`leaderElection: renewMs (${this.renewMs}) must be less than leaseMs (${this.leaseMs})`);
    this.name = o.name;
    this.instance = o.instance ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    if (this.instance.includes('|')) throw new TypeError(`leaderElection: instance must not contain "|", got ${JSON.stringify(this.instance)}`);
    this.clock = o.clock;
    this.keys = leaderKeys(o.prefix, o.name);
    const commands: Partial<Record<keyof typeof LEADER_COMMANDS, ScriptCall>> = {};
    for (const [op, [command, lua, numberOfKeys]] of Object.entries(LEADER_COMMANDS)) {
      o.redis.defineCommand(command, { lua, numberOfKeys });
      const method = (o.redis as unknown as Record<string, ScriptCall>)[command];
      if (typeof method !== 'function') throw new TypeError(`leaderElection: defineCommand did not add ${command} to the client`);
      commands[op as keyof typeof LEADER_COMMANDS] = method.bind(o.redis);
    }
    this.commands = commands as Record<keyof typeof LEADER_COMMANDS, ScriptCall>;
  }

  /** Stops contending; a leader gives the lease up, so another takes over at its next attempt. */
  async stop(): Promise<void> {
    this.stopTicking();
    const token = this.current;
    if (token === undefined) return;
    this.depose('resigned');
    await this.commands.resign(this.keys.lease, `${this.instance}|${token}`).catch((error: unknown) => this.events.emit('error', { error }));
  }

  protected tick(): void {
    this.cancelTick = undefined;
    if (!this.running) return;
    this.cancelTick = setTimerOn(this.clock, this.renewMs, () => this.tick());
    if (this.busy) return; // the last command has not answered; the expiry deadline still holds
    this.busy = true;
    const sentAt = this.clock.now();
    const token = this.current;
    const request =
      token === undefined
        ? this.commands.acquire(this.keys.lease, this.keys.token, this.instance, this.leaseMs)
        : this.commands.renew(this.keys.lease, `${this.instance}|${token}`, this.leaseMs).then((held) => (Number(held) === 1 ? token : -1));
    request.then(
      (reply) => {
        this.busy = false;
        const granted = Number(reply);
        if (!this.running) {
          // Stopped while asking: a lease granted meanwhile is given back, not left to expire.
          if (granted >= 0 && token === undefined) void this.commands.resign(this.keys.lease, `${this.instance}|${granted}`).catch(() => undefined);
          return;
        }
        if (granted < 0) {
          if (this.current !== undefined) this.depose('lost');
          return;
        }
        if (this.current !== undefined && this.current !== granted) this.depose('lost');
        this.expireAt(sentAt + this.leaseMs);
        if (this.current === undefined) this.elect(granted);
      },
      (error: unknown) => {
        this.busy = false;
        this.events.emit('error', { error });
      },
    );
  }

  /** The lease may end in Redis at `at` at the earliest: by then this process must have stepped down. */
  private expireAt(at: number): void {
    this.cancelExpiry?.();
    this.cancelExpiry = setTimerOn(this.clock, Math.max(0, at - this.clock.now()), () => {
      this.cancelExpiry = undefined;
      if (this.current !== undefined) this.depose('expired');
    });
  }

  protected override depose(reason: DeposedReason): void {
    if (this.current === undefined) return;
    this.cancelExpiry?.();
    this.cancelExpiry = undefined;
    super.depose(reason);
  }
}

/** A leader election over a Redis lease; call `start()`. See LeaderElection. */
export function leaderElection(options: LeaderElectionOptions): LeaderElection {
  return new LeaderElection(options);
}
