/**
 * The ban guard honours the exchange's own brakes: a 429 or 418 with Retry-After pauses every
 * request to that exchange until the time is up. A short pause is waited out, so a burst of 429s
 * never escalates into a ban; a long one (an IP ban) fails calls at once with RateLimitedError,
 * sending nothing: more requests during a ban only lengthen it.
 *
 * (It was `ExchangeThrottle`; "throttle" also named the limiter's spacing mode and the adaptive
 * throttle, three different things.)
 */
import { type Clock } from '../core/clock.js';
import { RateLimitedError } from '../core/errors.js';
import { httpStatusOf, isThrottled } from './errors.js';

export interface BanGuardOptions {
  clock: Clock;
  /** Longest pause waited out; a longer Retry-After (or any 418) is a ban: calls fail at once. */
  maxWaitMs: number;
  /** Pause after a 429 that carries no Retry-After. */
  default429Ms: number;
  /** Pause after a 418 that carries no Retry-After (Binance bans start at 2 minutes). */
  default418Ms: number;
}

export interface BanGuardState {
  /** Until when requests are held back (0 when never). */
  pausedUntil: number;
  /** Whether the pause is a ban (calls fail at once rather than wait). */
  banned: boolean;
}

export class ExchangeBanGuard {
  private pausedUntil = 0;
  private banned = false;

  constructor(private readonly options: BanGuardOptions) {}

  state(): BanGuardState {
    return { pausedUntil: this.pausedUntil, banned: this.banned && this.options.clock.now() < this.pausedUntil };
  }

  /** Throws RateLimitedError during a ban; nothing otherwise. For checks that must not wait. */
  assertNotBanned(): void {
    const left = this.pausedUntil - this.options.clock.now();
    if (this.banned && left > 0) throw new RateLimitedError(left, `exchange ban in force: no request is sent for another ${Math.ceil(left)} ms`);
  }

  /** Before a request: waits out a short pause, fails at once during a ban. */
  async admit(signal?: AbortSignal): Promise<void> {
    const left = this.waitMs();
    if (left > 0) await this.options.clock.sleep(left, signal);
  }

  /** Before a request, without waiting: throws RateLimitedError during a ban, else the ms left of a pause (0: send now). */
  waitMs(): number {
    this.assertNotBanned();
    const left = this.pausedUntil - this.options.clock.now();
    return left > 0 ? left : 0;
  }

  /**
   * After a failed request: when the exchange throttled it, starts the pause and returns its
   * length; also sets `retryAfterMs` on the error so a retry waits at least that long.
   */
  observe(error: unknown, headers: Record<string, string> | undefined): number | undefined {
    if (!isThrottled(error)) return undefined;
    const status = httpStatusOf(error);
    const header = headers?.['Retry-After'] ?? headers?.['retry-after'];
    const seconds = header === undefined ? NaN : Number(header);
    const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : status === 418 ? this.options.default418Ms : this.options.default429Ms;
    const now = this.options.clock.now();
    const wasBanned = this.banned && now < this.pausedUntil;
    if (now + ms > this.pausedUntil) this.pausedUntil = now + ms;
    this.banned = wasBanned || status === 418 || ms > this.options.maxWaitMs;
    if (typeof error === 'object' && error !== null) {
      Object.defineProperty(error, 'retryAfterMs', { value: ms, enumerable: false, configurable: true, writable: true });
    }
    return ms;
  }

  /** Whether the last observed 429/418 turned into a ban still in force. */
  get isBanned(): boolean {
    return this.state().banned;
  }
}

/** @deprecated Renamed `ExchangeBanGuard`; removed at 1.0. */
export const ExchangeThrottle = ExchangeBanGuard;
/** @deprecated Renamed `ExchangeBanGuard`; removed at 1.0. */
export type ExchangeThrottle = ExchangeBanGuard;
/** @deprecated Renamed `BanGuardState`; removed at 1.0. */
export type ThrottleState = BanGuardState;
