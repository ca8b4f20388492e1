/**
 * A cache over Redis that keeps working when Redis does not: every write also lands in an
 * in-memory LRU, reads fall back to it when Redis fails (a breaker decides when to stop trying),
 * and the writes and deletes made meanwhile are replayed to Redis when it returns.
 * TTLs hold in both: Redis gets PX, the LRU checks expiry against the injected clock.
 */
import { LRUCache } from 'lru-cache';
import { type Clock, systemClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger, checkNumber, checkShape } from '../core/option-checks.js';
import { sanitizeText } from '../core/secrets.js';
import { deadlinesOf } from '../core/timers.js';
import { FailureGuard, type GuardState } from './failure-guard.js';
import type { CheckResultLike, HealthCheckLike } from '../core/health-check-like.js';

/** The Redis commands the cache uses; an ioredis client fits. */
export interface CacheRedisClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'PX', ttlMs: number): Promise<unknown>;
  del(key: string): Promise<number>;
  ping(): Promise<unknown>;
}

export interface ResilientCacheOptions<T> {
  redis: CacheRedisClient;
  /** Prefix of every Redis key. */
  prefix?: string;
  /** TTL of a `set` without one. */
  defaultTtlMs?: number;
  /** How long a value read from Redis is kept locally for use during an outage. */
  readMirrorTtlMs?: number;
  /** Entries kept in memory (least recently used dropped first). */
  maxEntries?: number;
  /** A Redis command slower than this counts as a failure. */
  commandTimeoutMs?: number;
  /** Consecutive failures that switch the cache to memory only. */
  failureThreshold?: number;
  /** Time in memory-only mode before Redis is probed again. */
  openMs?: number;
  clock?: Clock;
  serialize?: (value: T) => string;
  deserialize?: (text: string) => T;
}

export const RESILIENT_CACHE_DEFAULTS = {
  prefix: 'bulwark:cache:', // keeps cache keys apart from breaker and limiter state in a shared Redis
  defaultTtlMs: 60_000, // market data and sessions are stale within minutes
  readMirrorTtlMs: 30_000, // short: a mirrored read may be overwritten in Redis by another instance
  maxEntries: 10_000, // a few MB of typical JSON values
  commandTimeoutMs: 250, // a local Redis answers in well under 1 ms; 250 ms means trouble
  failureThreshold: 3, // one dropped packet should not switch modes
  openMs: 5_000, // probe Redis again every 5 s while it is out
} as const;

export type CacheMode = 'redis' | 'memory';

export interface ResilientCacheEvents {
  /** Redis failed enough to switch to memory only. */
  fallback: { error: string };
  /** Redis answered again; `resynced` writes and deletes made meanwhile were replayed. */
  recovered: { resynced: number };
  /** A Redis command failed (before or after the switch). */
  redisError: { operation: string; error: string };
}

/** The ready-made health check (a `HealthCheckDefinition` of bulwark/health, by shape). */
export type CacheHealthCheck = HealthCheckLike<CheckResultLike<'up' | 'degraded'>>;

interface LocalEntry<T> {
  value: T;
  expiresAt: number;
}

type Pending = 'set' | 'delete';

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  checkNumber('resilientCache', option, value, 0, Infinity, true);
  return value;
}

function count(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  checkInteger('resilientCache', option, value, 1);
  return value;
}

export class ResilientCache<T = unknown> implements EventSource<ResilientCacheEvents> {
  private readonly redis: CacheRedisClient;
  private readonly prefix: string;
  private readonly defaultTtlMs: number;
  private readonly readMirrorTtlMs: number;
  private readonly commandTimeoutMs: number;
  private readonly clock: Clock;
  private readonly serialize: (value: T) => string;
  private readonly deserialize: (text: string) => T;
  private readonly local: LRUCache<string, LocalEntry<T>>;
  private readonly guard: FailureGuard;
  private readonly pending = new Map<string, Pending>();
  private readonly events = new Emitter<ResilientCacheEvents>();
  private probing: Promise<boolean> | undefined;

  constructor(options: ResilientCacheOptions<T>) {
    checkShape('resilientCache', 'redis', options?.redis, 'an ioredis client (or alike)', ['get']);
    this.redis = options.redis;
    this.prefix = options.prefix ?? RESILIENT_CACHE_DEFAULTS.prefix;
    this.defaultTtlMs = positive('defaultTtlMs', options.defaultTtlMs, RESILIENT_CACHE_DEFAULTS.defaultTtlMs);
    this.readMirrorTtlMs = positive('readMirrorTtlMs', options.readMirrorTtlMs, RESILIENT_CACHE_DEFAULTS.readMirrorTtlMs);
    this.commandTimeoutMs = positive('commandTimeoutMs', options.commandTimeoutMs, RESILIENT_CACHE_DEFAULTS.commandTimeoutMs);
    const maxEntries = count('maxEntries', options.maxEntries, RESILIENT_CACHE_DEFAULTS.maxEntries);
    const failureThreshold = count('failureThreshold', options.failureThreshold, RESILIENT_CACHE_DEFAULTS.failureThreshold);
    const openMs = positive('openMs', options.openMs, RESILIENT_CACHE_DEFAULTS.openMs);
    this.clock = options.clock ?? systemClock;
    this.serialize = options.serialize ?? ((value) => JSON.stringify(value));
    this.deserialize = options.deserialize ?? ((text) => JSON.parse(text) as T);
    this.local = new LRUCache({ max: maxEntries });
    this.guard = new FailureGuard(this.clock, failureThreshold, openMs);
  }

  on<K extends keyof ResilientCacheEvents & string>(name: K, listener: Listener<ResilientCacheEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** `redis` while Redis serves; `memory` while the cache runs on the LRU alone. */
  get mode(): CacheMode {
    return this.guard.state === 'closed' ? 'redis' : 'memory';
  }

  get guardState(): GuardState {
    return this.guard.state;
  }

  /** Writes and deletes waiting to be replayed to Redis. */
  get pendingResync(): number {
    return this.pending.size;
  }

  async get(key: string): Promise<T | undefined> {
    if (await this.useRedis()) {
      try {
        const text = await this.command('get', () => this.redis.get(this.prefix + key));
        if (text === null) {
          this.local.delete(key);
          return undefined;
        }
        const value = this.deserialize(text);
        const mine = this.local.get(key);
        if (!mine || mine.expiresAt <= this.clock.now()) this.local.set(key, { value, expiresAt: this.clock.now() + this.readMirrorTtlMs });
        else mine.value = value;
        return value;
      } catch {
        // fall through to memory
      }
    }
    return this.readLocal(key);
  }

  async set(key: string, value: T, ttlMs: number = this.defaultTtlMs): Promise<void> {
    checkNumber('resilientCache.set', 'ttlMs', ttlMs, 0, Infinity, true);
    this.local.set(key, { value, expiresAt: this.clock.now() + ttlMs });
    if (await this.useRedis()) {
      try {
        await this.command('set', () => this.redis.set(this.prefix + key, this.serialize(value), 'PX', Math.ceil(ttlMs)));
        this.pending.delete(key);
        return;
      } catch {
        // remembered below
      }
    }
    this.pending.set(key, 'set');
  }

  async delete(key: string): Promise<void> {
    this.local.delete(key);
    if (await this.useRedis()) {
      try {
        await this.command('del', () => this.redis.del(this.prefix + key));
        this.pending.delete(key);
        return;
      } catch {
        // remembered below
      }
    }
    this.pending.set(key, 'delete');
  }

  /**
   * A health check (structurally a bulwark/health definition): up on Redis, degraded while the
   * cache runs on memory only (it still serves), with the writes waiting for resync.
   */
  healthCheck(name = 'cache'): CacheHealthCheck {
    return {
      name,
      group: 'services',
      component: name,
      measurement: 'mode',
      critical: false,
      tags: ['services', 'cache'],
      check: () =>
        this.mode === 'redis'
          ? { status: 'up', details: { observedValue: 'redis' } }
          : { status: 'degraded', message: `Redis unavailable: serving from memory, ${this.pending.size} change(s) waiting for resync`, details: { observedValue: 'memory', pendingResync: this.pending.size } },
    };
  }

  /** Probes Redis now (if the guard allows) and replays pending changes; true when Redis serves again. */
  async resync(): Promise<boolean> {
    return this.useRedis();
  }

  private readLocal(key: string): T | undefined {
    const entry = this.local.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.local.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Whether to call Redis; after an outage the first caller probes and replays, the others use memory meanwhile. */
  private async useRedis(): Promise<boolean> {
    const state = this.guard.state;
    if (state === 'closed') return true;
    if (this.probing) return false;
    if (!this.guard.permits()) return false;
    this.probing = this.probeAndReplay().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private async probeAndReplay(): Promise<boolean> {
    try {
      await this.command('ping', () => this.redis.ping(), false);
      let replayed = 0;
      for (const [key, change] of [...this.pending]) {
        if (change === 'delete') await this.command('del', () => this.redis.del(this.prefix + key), false);
        else {
          const entry = this.local.peek(key);
          const remaining = entry ? entry.expiresAt - this.clock.now() : 0;
          // Expired or evicted meanwhile: make sure Redis does not serve an older value either.
          if (entry && remaining > 0) await this.command('set', () => this.redis.set(this.prefix + key, this.serialize(entry.value), 'PX', Math.ceil(remaining)), false);
          else await this.command('del', () => this.redis.del(this.prefix + key), false);
        }
        this.pending.delete(key);
        replayed++;
      }
      this.guard.success();
      this.events.emit('recovered', { resynced: replayed });
      return true;
    } catch {
      this.guard.failure();
      return false;
    }
  }

  /** Runs one Redis command with the command timeout; failures are counted by the guard. */
  private async command<R>(operation: string, fn: () => Promise<R>, count = true): Promise<R> {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const deadline = deadlinesOf(this.clock).add(this.commandTimeoutMs, () => reject(new TimeoutError(this.commandTimeoutMs, `redis ${operation} timed out after ${this.commandTimeoutMs} ms`)));
      cancel = () => deadline.cancel();
    });
    try {
      const result = await Promise.race([Promise.resolve().then(fn), timeout]);
      if (count) this.guard.success();
      return result;
    } catch (error) {
      const message = sanitizeText(error instanceof Error ? error.message : String(error));
      this.events.emit('redisError', { operation, error: message });
      if (count && this.guard.failure()) this.events.emit('fallback', { error: message });
      throw error;
    } finally {
      cancel?.();
    }
  }
}

export function resilientCache<T = unknown>(options: ResilientCacheOptions<T>): ResilientCache<T> {
  return new ResilientCache(options);
}
