import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { feedWatchdog } from '../../src/trading/feeds.js';
import { tradingGate } from '../../src/trading/gate.js';

describe('feedWatchdog', () => {
  it('marks a symbol stale once its data passes the max age, and fresh on the next update', async () => {
    const clock = new ManualClock();
    const feeds = feedWatchdog<number>({ maxAgeMs: 1_000, clock });
    const events: string[] = [];
    feeds.on('stale', (e) => events.push(`stale ${e.symbol} ${e.ageMs}`));
    feeds.on('fresh', (e) => events.push(`fresh ${e.symbol}`));
    feeds.update('BTC/USDT', 50_000);
    await clock.advance(999);
    expect(feeds.get('BTC/USDT')).toEqual({ value: 50_000, at: 0, ageMs: 999, stale: false });
    expect(feeds.allowsNewExposure('BTC/USDT')).toBe(true);
    await clock.advance(1);
    expect(feeds.isStale('BTC/USDT')).toBe(true);
    expect(feeds.allowsNewExposure('BTC/USDT')).toBe(false);
    // The last known good value is still there, marked stale.
    expect(feeds.get('BTC/USDT')).toMatchObject({ value: 50_000, stale: true, ageMs: 1_000 });
    feeds.update('BTC/USDT', 50_100);
    expect(feeds.isStale('BTC/USDT')).toBe(false);
    expect(events).toEqual(['stale BTC/USDT 1000', 'fresh BTC/USDT']);
  });

  it('per-symbol max ages; never-seen symbols allow no new exposure', async () => {
    const clock = new ManualClock();
    const feeds = feedWatchdog({ maxAgeMs: 10_000, perSymbol: { 'ETH/USDT': 500 }, clock });
    feeds.update('BTC/USDT', 1);
    feeds.update('ETH/USDT', 1);
    await clock.advance(600);
    expect(feeds.staleSymbols()).toEqual(['ETH/USDT']);
    expect(feeds.allowsNewExposure('SOL/USDT')).toBe(false);
  });

  it('moves the gate to reducing while a traded symbol is stale, and back when fresh', async () => {
    const clock = new ManualClock();
    const feeds = feedWatchdog({ maxAgeMs: 1_000, clock });
    const gate = tradingGate({ clock });
    feeds.attachGate(gate, ['BTC/USDT']);
    feeds.update('BTC/USDT', 1);
    feeds.update('DOGE/USDT', 1);
    await clock.advance(1_000);
    expect(gate.mode).toBe('reducing');
    expect(gate.conditions().map((c) => c.name)).toEqual(['stale:BTC/USDT']);
    feeds.update('BTC/USDT', 2);
    expect(gate.mode).toBe('active');
    feeds.stop();
  });

  it('rejects a bad max age', () => {
    expect(() => feedWatchdog({ maxAgeMs: 0 })).toThrow(/maxAgeMs must be a finite number > 0/);
  });
});
