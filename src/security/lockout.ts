/**
 * Lockout of a source address after failed sign-ins and bad API tokens: a few free attempts, then
 * an exponential wait (1 s, 2 s, 4 s, ... capped) before the source may try again, and a brute-force
 * report when one source fails `bruteForceFailures` times within `bruteForceWindowMs`.
 *
 * ```ts
 * const lockout = new Lockout({ clock });
 * if (lockout.check(ip).locked) return 429;      // before any token hash is computed
 * ... verify ...
 * ok ? lockout.success(ip) : lockout.failure(ip, 'bad-token');
 * ```
 *
 * Memory is bounded: at most `maxSources` sources are tracked (least recently seen dropped first),
 * and a source quiet for `forgetAfterMs` starts afresh. One process's view: a fleet behind a load
 * balancer multiplies the free attempts by its instances (the wait still doubles on each).
 */
import { LRUCache } from 'lru-cache';
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';

/** What failed: a Bearer token (or `?token=` link) that did not verify, or a dashboard sign-in. */
export type FailureKind = 'bad-token' | 'failed-login';

export interface LockoutOptions {
  clock?: Clock;
  /** Failures a source may make before the first wait. */
  freeAttempts?: number;
  /** The first wait; each further failure doubles it. */
  baseDelayMs?: number;
  /** The longest wait. */
  maxDelayMs?: number;
  /** A source without a failure for this long starts afresh (its count and waits forgotten). */
  forgetAfterMs?: number;
  /** Sources tracked at most; the least recently seen is dropped first. */
  maxSources?: number;
  /** Failures of one source within `bruteForceWindowMs` that count as brute force. */
  bruteForceFailures?: number;
  bruteForceWindowMs?: number;
}

export const LOCKOUT_DEFAULTS = {
  clock: systemClock as Clock,
  freeAttempts: 5, // a person mistyping or pasting the wrong token a few times is never slowed down
  baseDelayMs: 1_000, // the first wait is barely felt by a person, and halves a script's pace at once
  maxDelayMs: 15 * 60_000, // OWASP's usual lockout length; a person locked out waits at most this
  forgetAfterMs: 60 * 60_000, // an hour without failures wipes the slate, so a slow guesser keeps waiting long
  maxSources: 10_000, // a few MB at most; a flood of spoofed addresses evicts the quietest first
  bruteForceFailures: 20, // far past mistyping: four times the free attempts
  bruteForceWindowMs: 10 * 60_000, // twenty failures in ten minutes is a script, not a person
};

export interface LockoutStatus {
  locked: boolean;
  /** How long until the source may try again (0 when not locked). */
  retryAfterMs: number;
}

export interface ActiveLockout {
  source: string;
  /** Failures counted since the source's slate was last wiped. */
  failures: number;
  lockedUntil: number;
  lastKind: FailureKind;
}

export interface LockoutEvents {
  /** A failure was counted; `lockedForMs` is the wait it started (0 while attempts are free). */
  failure: { source: string; kind: FailureKind; failures: number; lockedForMs: number; at: number };
  /** A source became locked (reason `too-many-failures`). Unlocking happens by time and is not announced. */
  stateChange: { source: string; from: 'open'; to: 'locked'; reason: 'too-many-failures'; until: number; at: number };
  /** A source failed `bruteForceFailures` times within the window; reported once per window. */
  bruteForce: { source: string; kind: FailureKind; failures: number; windowMs: number; at: number };
}

interface SourceState {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
  lastKind: FailureKind;
  /** Times of the latest failures, at most `bruteForceFailures` of them. */
  recent: number[];
  /** When brute force was last reported for this source. */
  reportedAt: number;
}

export class Lockout implements EventSource<LockoutEvents> {
  private readonly o: typeof LOCKOUT_DEFAULTS;
  private readonly sources: LRUCache<string, SourceState>;
  private readonly events = new Emitter<LockoutEvents>();

  constructor(options: LockoutOptions = {}) {
    this.o = withDefaults(LOCKOUT_DEFAULTS, options);
    checkInteger('lockout', 'freeAttempts', this.o.freeAttempts, 0);
    checkInteger('lockout', 'baseDelayMs', this.o.baseDelayMs, 1);
    checkInteger('lockout', 'maxDelayMs', this.o.maxDelayMs, this.o.baseDelayMs);
    checkInteger('lockout', 'forgetAfterMs', this.o.forgetAfterMs, 1);
    checkInteger('lockout', 'maxSources', this.o.maxSources, 1);
    checkInteger('lockout', 'bruteForceFailures', this.o.bruteForceFailures, 1);
    checkInteger('lockout', 'bruteForceWindowMs', this.o.bruteForceWindowMs, 1);
    this.sources = new LRUCache({ max: this.o.maxSources });
  }

  on<K extends keyof LockoutEvents & string>(name: K, listener: Listener<LockoutEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** The source's state, or undefined when it has none or was quiet long enough to be forgotten. */
  private state(source: string, now: number): SourceState | undefined {
    const s = this.sources.peek(source);
    if (s && now - s.lastFailureAt >= this.o.forgetAfterMs && now >= s.lockedUntil) {
      this.sources.delete(source);
      return undefined;
    }
    return s;
  }

  /** Whether `source` must wait before trying a credential again. Cheap: no hashing, no I/O. */
  check(source: string): LockoutStatus {
    const now = this.o.clock.now();
    const s = this.state(source, now);
    if (!s || now >= s.lockedUntil) return { locked: false, retryAfterMs: 0 };
    return { locked: true, retryAfterMs: s.lockedUntil - now };
  }

  /** The wait after the `failures`-th failure: 0 while free, then base, 2 x base, ... up to the cap. */
  delayAfter(failures: number): number {
    const over = failures - this.o.freeAttempts;
    if (over <= 0) return 0;
    // 2^over grows past any cap quickly; clamp the exponent so the number stays finite.
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(over - 1, 40));
  }

  /** Counts a failure of `source`; returns the wait it starts (0 while attempts are free). */
  failure(source: string, kind: FailureKind): number {
    const now = this.o.clock.now();
    const s: SourceState = this.state(source, now) ?? { failures: 0, lastFailureAt: now, lockedUntil: 0, lastKind: kind, recent: [], reportedAt: -Infinity };
    s.failures += 1;
    s.lastFailureAt = now;
    s.lastKind = kind;
    s.recent.push(now);
    if (s.recent.length > this.o.bruteForceFailures) s.recent.shift();
    const wasLocked = now < s.lockedUntil;
    const lockedForMs = this.delayAfter(s.failures);
    if (lockedForMs > 0) s.lockedUntil = Math.max(s.lockedUntil, now + lockedForMs);
    this.sources.set(source, s);
    this.events.emit('failure', { source, kind, failures: s.failures, lockedForMs, at: now });
    if (lockedForMs > 0 && !wasLocked) this.events.emit('stateChange', { source, from: 'open', to: 'locked', reason: 'too-many-failures', until: s.lockedUntil, at: now });
    const first = s.recent[0] ?? now;
    if (s.recent.length >= this.o.bruteForceFailures && now - first < this.o.bruteForceWindowMs && now - s.reportedAt >= this.o.bruteForceWindowMs) {
      s.reportedAt = now;
      this.events.emit('bruteForce', { source, kind, failures: s.recent.length, windowMs: this.o.bruteForceWindowMs, at: now });
    }
    return lockedForMs;
  }

  /** A credential from `source` verified: its count starts afresh. */
  success(source: string): void {
    this.sources.delete(source);
  }

  /** Sources locked out now, longest wait first. */
  active(): ActiveLockout[] {
    const now = this.o.clock.now();
    const out: ActiveLockout[] = [];
    for (const [source, s] of this.sources.entries()) {
      if (now < s.lockedUntil) out.push({ source, failures: s.failures, lockedUntil: s.lockedUntil, lastKind: s.lastKind });
    }
    return out.sort((a, b) => b.lockedUntil - a.lockedUntil);
  }

  /** Sources tracked (locked or counting failures). */
  get size(): number {
    return this.sources.size;
  }
}

export function lockout(options?: LockoutOptions): Lockout {
  return new Lockout(options);
}
