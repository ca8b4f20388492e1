/**
 * Market-data staleness watchdog: one max age per symbol. Values are kept as the last known good;
 * once older than the max age they are served marked `stale`, and `allowsNewExposure(symbol)` is
 * false, so stale data never opens a position. `attachGate` moves a trading gate to 'reducing'
 * while a traded symbol is stale.
 */
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkNumber } from '../core/option-checks.js';
import type { TradingGate } from './gate.js';
import { withDefaults } from '../core/options.js';

export interface FeedValue<T> {
  value: T;
  /** When it was received (clock ms). */
  at: number;
  ageMs: number;
  stale: boolean;
}

export interface FeedWatchdogOptions {
  /** Age past which a symbol's data is stale. */
  maxAgeMs?: number;
  /** Max ages per symbol, over `maxAgeMs`. */
  perSymbol?: Record<string, number>;
  clock?: Clock;
}

export const FEED_WATCHDOG_DEFAULTS = {
  // Five seconds: a live ticker that silent is a broken feed, not a quiet market.
  maxAgeMs: 5_000,
  perSymbol: {} as Record<string, number>,
  // Wall-clock time.
  clock: systemClock as Clock,
};

export interface FeedEvents {
  /** A symbol's data passed its max age. */
  stale: { symbol: string; ageMs: number; at: number };
  /** Fresh data arrived for a symbol that was stale. */
  fresh: { symbol: string; at: number };
}

interface Entry<T> {
  value: T;
  at: number;
  stale: boolean;
  timer: CancelTimer | undefined;
}

export class FeedWatchdog<T = unknown> implements EventSource<FeedEvents> {
  private readonly o: typeof FEED_WATCHDOG_DEFAULTS;
  private readonly events = new Emitter<FeedEvents>();
  private readonly entries = new Map<string, Entry<T>>();

  constructor(options: FeedWatchdogOptions = {}) {
    this.o = withDefaults(FEED_WATCHDOG_DEFAULTS, options);
    checkNumber('feedWatchdog', 'maxAgeMs', this.o.maxAgeMs, 0, Infinity, true);
    for (const [symbol, v] of Object.entries(this.o.perSymbol)) checkNumber('feedWatchdog', `perSymbol["${symbol}"]`, v, 0, Infinity, true);
  }

  on<K extends keyof FeedEvents & string>(name: K, listener: Listener<FeedEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  maxAgeOf(symbol: string): number {
    return this.o.perSymbol[symbol] ?? this.o.maxAgeMs;
  }

  /** Records fresh data for `symbol` (received now, or at `at`). */
  update(symbol: string, value: T, at = this.o.clock.now()): void {
    const previous = this.entries.get(symbol);
    previous?.timer?.();
    const entry: Entry<T> = { value, at, stale: false, timer: undefined };
    this.entries.set(symbol, entry);
    if (previous?.stale) this.events.emit('fresh', { symbol, at });
    const left = at + this.maxAgeOf(symbol) - this.o.clock.now();
    if (left <= 0) this.markStale(symbol, entry);
    else entry.timer = setTimerOn(this.o.clock, left, () => this.markStale(symbol, entry));
  }

  private markStale(symbol: string, entry: Entry<T>): void {
    if (this.entries.get(symbol) !== entry || entry.stale) return;
    entry.stale = true;
    entry.timer = undefined;
    const now = this.o.clock.now();
    this.events.emit('stale', { symbol, ageMs: now - entry.at, at: now });
  }

  /** The last value for `symbol` with its age; undefined when none was ever received. */
  get(symbol: string): FeedValue<T> | undefined {
    const entry = this.entries.get(symbol);
    if (!entry) return undefined;
    const ageMs = this.o.clock.now() - entry.at;
    return { value: entry.value, at: entry.at, ageMs, stale: ageMs >= this.maxAgeOf(symbol) };
  }

  isStale(symbol: string): boolean {
    return this.get(symbol)?.stale ?? true;
  }

  /** Symbols whose data is stale now. */
  staleSymbols(): string[] {
    return [...this.entries.keys()].filter((s) => this.isStale(s));
  }

  /** New exposure needs fresh data: false for a stale or never-seen symbol. */
  allowsNewExposure(symbol: string): boolean {
    return !this.isStale(symbol);
  }

  /** Rule: while a traded symbol is stale, the gate is 'reducing'. Returns a function that detaches. */
  attachGate(gate: TradingGate, tradedSymbols: readonly string[]): Unsubscribe {
    const traded = new Set(tradedSymbols);
    for (const symbol of traded) if (this.entries.has(symbol) && this.isStale(symbol)) gate.raise(`stale:${symbol}`, 'reducing', `market data for ${symbol} is stale`);
    const offStale = this.on('stale', (e) => {
      if (traded.has(e.symbol)) gate.raise(`stale:${e.symbol}`, 'reducing', `market data for ${e.symbol} is ${e.ageMs} ms old`);
    });
    const offFresh = this.on('fresh', (e) => {
      if (traded.has(e.symbol)) gate.clear(`stale:${e.symbol}`, `market data for ${e.symbol} is fresh again`);
    });
    return () => {
      offStale();
      offFresh();
    };
  }

  /** Cancels every pending staleness timer. */
  stop(): void {
    for (const entry of this.entries.values()) entry.timer?.();
  }
}

export function feedWatchdog<T = unknown>(options?: FeedWatchdogOptions): FeedWatchdog<T> {
  return new FeedWatchdog<T>(options);
}
