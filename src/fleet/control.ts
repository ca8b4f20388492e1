/**
 * fleetControl(): the ops side of a fleet. It lists the instances from what they publish, and
 * sends commands on the fleet's stream; a fleet-wide halt is also kept under the halt key until
 * resumed, so an instance that joins or rejoins meanwhile halts too.
 *
 * An instance is `stale` once its alive key expired (no heartbeat for its `ttlMs`, judged by
 * Redis's clock, not by comparing machines' clocks), and dropped once its instance key expired
 * too (`dropAfterMs`): `instances()` then removes it from the index and destroys its consumer group.
 */
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../core/clock.js';
import { checkInteger } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import { ALL, type FleetCommand, type SentCommand, commandFields, fleetCommandSchema } from './commands.js';
import { type HaltState, parseHalt } from './halt-state.js';
import { type FleetKeys, checkName, FLEET_KEY_DEFAULTS, fleetKeys } from './keys.js';
import type { InstanceHeartbeat, InstanceSnapshot } from './snapshot.js';
import type { GateModeName } from './sources.js';

export interface FleetControlOptions {
  redis: Redis;
  fleet?: string;
  prefix?: string;
  /** Commands the stream keeps (approximately); older ones are trimmed. */
  maxCommands?: number;
  clock?: Clock;
}

export const FLEET_CONTROL_DEFAULTS = {
  ...FLEET_KEY_DEFAULTS,
  // Ten thousand commands: months of operator actions, a few MB at most; an instance away for
  // longer than that many commands misses the oldest (the halt key still holds the fleet-wide halt).
  maxCommands: 10_000,
  // Stamps the commands sent.
  clock: systemClock as Clock,
};

/** One instance as the ops service shows it. */
export interface InstanceView extends Omit<InstanceHeartbeat, 'heartbeatAt' | 'leftAt'> {
  lastHeartbeatAt: number;
  /** No heartbeat within the instance's TTL (or it left): its state below is the last it reported. */
  stale: boolean;
  /** When it left the fleet on purpose; null otherwise. */
  leftAt: number | null;
  /** Its gate's mode, null when it has no gate or reported no snapshot yet. */
  gateMode: GateModeName | null;
  snapshot: InstanceSnapshot | null;
}

type Resolved = typeof FLEET_CONTROL_DEFAULTS & Omit<FleetControlOptions, keyof typeof FLEET_CONTROL_DEFAULTS>;

export class FleetControl {
  readonly fleet: string;
  private readonly o: Resolved;
  private readonly keys: FleetKeys;

  constructor(options: FleetControlOptions) {
    if (!options || typeof options !== 'object' || !options.redis) throw new TypeError('fleetControl: redis (an ioredis client) is required');
    this.o = withDefaults(FLEET_CONTROL_DEFAULTS, options) as Resolved;
    checkName('fleetControl', 'fleet', this.o.fleet);
    checkInteger('fleetControl', 'maxCommands', this.o.maxCommands, 1);
    this.fleet = this.o.fleet;
    this.keys = fleetKeys(this.o.prefix, this.o.fleet);
  }

  /** Every instance that has not been dropped, by id. */
  async instances(): Promise<InstanceView[]> {
    const redis = this.o.redis;
    const ids = await redis.zrange(this.keys.instances, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.instance(id)).exists(this.keys.alive(id));
    const replies = (await pipeline.exec()) ?? [];
    const views: InstanceView[] = [];
    const dropped: string[] = [];
    ids.forEach((id, i) => {
      const [hashError, hash] = replies[2 * i] ?? [];
      const [, alive] = replies[2 * i + 1] ?? [];
      if (hashError) throw hashError;
      const fields = (hash ?? {}) as Record<string, string>;
      const view = fields.heartbeat ? toView(fields, alive === 1) : undefined;
      if (view) views.push(view);
      else dropped.push(id);
    });
    if (dropped.length > 0) await this.drop(dropped);
    return views.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** One instance, or undefined when it is not (or no longer) in the fleet. */
  async instance(id: string): Promise<InstanceView | undefined> {
    const [fields, alive] = await Promise.all([this.o.redis.hgetall(this.keys.instance(id)), this.o.redis.exists(this.keys.alive(id))]);
    return fields.heartbeat ? toView(fields, alive === 1) : undefined;
  }

  /** Forgets instances whose keys expired: out of the index, their consumer groups destroyed. */
  private async drop(ids: string[]): Promise<void> {
    const pipeline = this.o.redis.pipeline().zrem(this.keys.instances, ...ids);
    for (const id of ids) pipeline.xgroup('DESTROY', this.keys.commands, id);
    await pipeline.exec(); // a group already gone answers an error in its slot, which is fine
  }

  /**
   * Sends a command to one instance, or to all with target '*'. A fleet-wide halt also sets the
   * halt key, a fleet-wide resume deletes it, in the same transaction as the command.
   * Throws a RangeError naming the field when the command is not valid.
   */
  async send(target: string, command: FleetCommand, by = 'operator'): Promise<SentCommand> {
    if (target !== ALL) checkName('fleet command', 'target', target);
    const parsed = fleetCommandSchema.safeParse(command);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RangeError(`fleet command${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`);
    }
    const at = this.o.clock.now();
    const multi = this.o.redis.multi().xadd(this.keys.commands, 'MAXLEN', '~', this.o.maxCommands, '*', ...commandFields(target, by, at, parsed.data));
    if (target === ALL && parsed.data.type === 'halt') multi.set(this.keys.halt, JSON.stringify({ reason: parsed.data.reason, by, at } satisfies HaltState));
    if (target === ALL && parsed.data.type === 'resume') multi.del(this.keys.halt);
    const results = await multi.exec();
    const [error, id] = results?.[0] ?? [new Error('fleet command: the transaction was discarded')];
    if (error) throw error;
    return { id: String(id), target, by, at, command: parsed.data };
  }

  /** Halts every instance (and every instance that joins until resumed). */
  halt(reason: string, by?: string): Promise<SentCommand> {
    return this.send(ALL, { type: 'halt', reason }, by);
  }

  /** Releases the fleet-wide halt (each instance's own rule-raised conditions keep holding its gate). */
  resume(reason?: string, by?: string): Promise<SentCommand> {
    return this.send(ALL, reason === undefined ? { type: 'resume' } : { type: 'resume', reason }, by);
  }

  /** The fleet-wide halt while it holds, else null. */
  async haltState(): Promise<HaltState | null> {
    return parseHalt(await this.o.redis.get(this.keys.halt));
  }
}

function toView(fields: Record<string, string>, alive: boolean): InstanceView | undefined {
  let heartbeat: InstanceHeartbeat;
  try {
    heartbeat = JSON.parse(fields.heartbeat!) as InstanceHeartbeat;
  } catch {
    return undefined;
  }
  let snapshot: InstanceSnapshot | null = null;
  try {
    snapshot = fields.snapshot ? (JSON.parse(fields.snapshot) as InstanceSnapshot) : null;
  } catch {
    snapshot = null;
  }
  const { heartbeatAt, leftAt, ...identity } = heartbeat;
  return {
    ...identity,
    lastHeartbeatAt: heartbeatAt,
    stale: !alive || leftAt !== undefined,
    leftAt: leftAt ?? null,
    gateMode: snapshot?.gate?.mode ?? null,
    snapshot,
  };
}

export function fleetControl(options: FleetControlOptions): FleetControl {
  return new FleetControl(options);
}
