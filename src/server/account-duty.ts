/**
 * Who follows which intents of a shared exchange account. Every process on the account (the ops
 * service and each `bulwark bot`) follows its own intents; one of them, elected over the fleet's
 * Redis (a lease with fencing tokens, `orders:<exchange id>`), follows every intent of the account
 * and adopts orphans: so the intents of a bot that died (UNKNOWN, or open orders it left) still
 * reach their end, and they are followed once, not by every process. When the leader dies, another
 * takes over within `leaseMs + renewMs` (docs/fleet.md, "Singleton duties").
 */
import type { Redis } from 'ioredis';
import type { BulwarkConfig } from '../config/schema.js';
import { leadDuty } from '../fleet/leader-duty.js';
import type { LeaderElection } from '../fleet/leader.js';
import type { ConfiguredExchange } from './configured-exchange.js';
import type { LiveEvents } from './live-events.js';

export interface AccountDutyOptions {
  redis: Redis;
  /** The fleet's key prefix (`<storage.redisPrefix>fleet:`). */
  prefix: string;
  /** This process's instance id in the fleet. */
  instance: string;
  /** The prefix of this process's own intent ids (`<instance>-` for a bot); it follows those while not leading. */
  ownPrefix: string;
  leaseMs?: number;
  renewMs?: number;
  /** Where elections and step-downs are recorded (the dashboard's timeline). */
  events?: LiveEvents;
  /** Called when the duty is taken up or put down (e.g. the fleet member's `publishSoon`). */
  changed?: () => void;
}

export interface AccountDuty {
  /** The duty's name, `orders:<exchange id>`. */
  readonly name: string;
  readonly election: LeaderElection;
  /** True while this process follows the whole account. */
  readonly leading: boolean;
  /** The duties held now, for the fleet snapshot. */
  duties(): string[];
  /** Stops contending (a leader gives the lease up at once) and the follower's wide scope. */
  close(): Promise<void>;
}

/** The lease settings of `fleet` in a configuration, those set. */
export function leaseOf(config: BulwarkConfig): Pick<AccountDutyOptions, 'leaseMs' | 'renewMs'> {
  return {
    ...(config.fleet.leaseMs !== undefined ? { leaseMs: config.fleet.leaseMs } : {}),
    ...(config.fleet.renewMs !== undefined ? { renewMs: config.fleet.renewMs } : {}),
  };
}

/** Starts the account's follower with this process's own scope and contends for the whole account. */
export function accountDuty(account: ConfiguredExchange, options: AccountDutyOptions): AccountDuty {
  const own = { intentPrefix: options.ownPrefix, adoptOrphans: false };
  const follower = account.follow(own);
  const name = `orders:${account.exchange.id}`;
  const led = leadDuty(
    {
      redis: options.redis,
      instance: options.instance,
      prefix: options.prefix,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.renewMs !== undefined ? { renewMs: options.renewMs } : {}),
    },
    {
      name,
      start: (token) => {
        follower.scope({ intentPrefix: undefined, adoptOrphans: true });
        options.events?.record('operator', options.instance, `leads ${name} (token ${token}): follows every intent of the account`);
        setImmediate(() => options.changed?.()); // after the binding counts the duty as held
      },
      stop: () => {
        follower.scope(own);
        options.events?.record('operator', options.instance, `no longer leads ${name}: follows its own intents`);
        setImmediate(() => options.changed?.()); // after the binding counts it as put down
      },
    },
    (error, phase) => options.events?.record('operator', options.instance, `${name}: ${phase} failed: ${error instanceof Error ? error.message : String(error)}`, 'warning'),
  );
  return {
    name,
    election: led.election,
    get leading() {
      return led.binding.active;
    },
    duties: () => (led.binding.active ? [name] : []),
    close: () => led.close(),
  };
}
