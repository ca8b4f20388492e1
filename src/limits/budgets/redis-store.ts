import { checkShape, checkString } from '../../core/option-checks.js';
import { CHARGE_SCRIPT, CORRECT_SCRIPT, FREEZE_SCRIPT, FROZEN_SCRIPT, USED_SCRIPT } from './redis-scripts.js';
import type { RateBudgetStore, ChargeLine, ChargeOutcome, FreezeState } from './store.js';
import { withDefaults } from '../../core/options.js';

/**
 * A budget store on Redis, shared by every process that uses the same server and prefix. One
 * round trip per operation: each is a Lua script registered with ioredis' `defineCommand`
 * (EVALSHA, falling back to EVAL once if the server lost the script). Counts use the server's
 * TIME; keys are `<prefix>{<group>}:...`, so a group's keys share one Cluster slot.
 */

/** The part of an ioredis 5 client (`Redis` or `Cluster`) this store uses. */
export interface RateBudgetRedisClient {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number; readOnly?: boolean }): void;
}

export interface RedisRateBudgetStoreOptions {
  /** Prepended to every key; 'bulwark:budget:' keeps budgets apart from other data. */
  prefix?: string;
}

export const REDIS_RATE_BUDGET_STORE_DEFAULTS = {
  prefix: 'bulwark:budget:',
} satisfies Required<RedisRateBudgetStoreOptions>;

type ScriptCall = (numberOfKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

/** Command names carry a version, so an older script registered on a shared client is never used. */
const COMMANDS = {
  charge: ['bulwarkBudgetChargeV1', CHARGE_SCRIPT],
  correct: ['bulwarkBudgetCorrectV1', CORRECT_SCRIPT],
  freeze: ['bulwarkBudgetFreezeV1', FREEZE_SCRIPT],
  frozen: ['bulwarkBudgetFrozenV1', FROZEN_SCRIPT],
  used: ['bulwarkBudgetUsedV1', USED_SCRIPT],
} as const;

function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`redis budget store: unexpected reply ${String(value)}`);
  return n;
}

function toArray(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`redis budget store: unexpected reply ${String(value)}`);
  return value;
}

export class RedisRateBudgetStore implements RateBudgetStore {
  private readonly prefix: string;
  private readonly commands: Record<keyof typeof COMMANDS, ScriptCall>;

  constructor(client: RateBudgetRedisClient, options: RedisRateBudgetStoreOptions = {}) {
    checkShape('redisRateBudgetStore', 'client', client, 'an ioredis 5 client (Redis or Cluster)', ['defineCommand']);
    const { prefix } = withDefaults(REDIS_RATE_BUDGET_STORE_DEFAULTS, options);
    checkString('redisRateBudgetStore', 'prefix', prefix);
    this.prefix = prefix;
    const commands: Partial<Record<keyof typeof COMMANDS, ScriptCall>> = {};
    for (const [op, [name, lua]] of Object.entries(COMMANDS) as Array<[keyof typeof COMMANDS, readonly [string, string]]>) {
      client.defineCommand(name, { lua });
      const method = (client as unknown as Record<string, ScriptCall>)[name];
      if (typeof method !== 'function') throw new TypeError(`redisRateBudgetStore: defineCommand did not add ${name} to the client`);
      commands[op] = method.bind(client);
    }
    this.commands = commands as Record<keyof typeof COMMANDS, ScriptCall>;
  }

  private groupKey(group: string): string {
    // Braces inside the group would change the hash tag; they are replaced to keep one slot per group.
    return `${this.prefix}{${group.replace(/[{}]/g, '_')}}`;
  }

  private freezeKey(group: string): string {
    return `${this.groupKey(group)}:freeze`;
  }

  private budgetKey(group: string, budget: string): string {
    return `${this.groupKey(group)}:b:${budget}`;
  }

  async charge(group: string, lines: readonly ChargeLine[]): Promise<ChargeOutcome> {
    const keys = [this.freezeKey(group), ...lines.map((l) => this.budgetKey(group, l.budget))];
    const args = lines.flatMap((l) => [l.cost, l.ceiling, l.windowMs]);
    const reply = toArray(await this.commands.charge(keys.length, ...keys, ...args)).map(toNumber);
    const [ok = 0, retryAfterMs = 0, blocked = 0, status = 0] = reply;
    const used = reply.slice(4);
    if (ok === 1) return { ok: true, retryAfterMs: 0, used };
    if (blocked === 0) return { ok: false, retryAfterMs, blockedBy: 'freeze', frozenBy: status, used };
    return { ok: false, retryAfterMs, blockedBy: lines[blocked - 1]?.budget ?? 'unknown', used };
  }

  async correct(group: string, budget: string, windowMs: number, used: number): Promise<number> {
    return toNumber(await this.commands.correct(1, this.budgetKey(group, budget), windowMs, used));
  }

  async freeze(group: string, forMs: number, status: number): Promise<void> {
    await this.commands.freeze(1, this.freezeKey(group), Math.max(1, Math.ceil(forMs)), status);
  }

  async frozen(group: string): Promise<FreezeState | undefined> {
    const [remainingMs = 0, status = 0] = toArray(await this.commands.frozen(1, this.freezeKey(group))).map(toNumber);
    return remainingMs > 0 ? { remainingMs, status } : undefined;
  }

  async used(group: string, budget: string, windowMs: number): Promise<number> {
    return toNumber(await this.commands.used(1, this.budgetKey(group, budget), windowMs));
  }
}

/** A budget store on Redis; pass an ioredis 5 client you own (the store never closes it). */
export function redisRateBudgetStore(client: RateBudgetRedisClient, options: RedisRateBudgetStoreOptions = {}): RedisRateBudgetStore {
  return new RedisRateBudgetStore(client, options);
}
