/** resilientExchange.reconfigure(): tries, timeout, budget and breakers changed while it trades (real ccxt.binance, offline simulator). */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import type { SettingsChange } from '../../src/core/settings-change.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import type { ExchangeSettings } from '../../src/trading/exchange-settings.js';
import { drive, offlineBinance } from './support/offline-binance.js';

const SYMBOL = 'BTC/USDT';
const down = { failures: [{ path: '/api/v3/ticker/24hr', status: 503, times: 1_000 }] };

async function setup() {
  const env = await offlineBinance();
  const rex = resilientExchange(env.exchange, { clock: env.clock, random: seededRandom(3) });
  await drive(env.clock, rex.loadMarkets());
  env.router.resetStats();
  return { ...env, rex };
}

const tickerRequests = (stats: { byRoute: Record<string, number> }): number => stats.byRoute['GET /api/v3/ticker/24hr'] ?? 0;

describe('resilientExchange.reconfigure', () => {
  it('a read makes the new number of tries', async () => {
    const { rex, router, clock } = await setup();
    router.setFaults(down);
    await drive(clock, rex.fetchTicker(SYMBOL).catch(() => undefined));
    const before = tickerRequests(router.stats());
    expect(before).toBe(3);
    rex.reconfigure({ maxAttempts: 1 });
    await drive(clock, rex.fetchTicker(SYMBOL).catch(() => undefined));
    expect(tickerRequests(router.stats()) - before).toBe(1);
  });

  it('every breaker takes the new settings: two failures in a row now open them', async () => {
    const { rex, router, clock } = await setup();
    rex.reconfigure({ maxAttempts: 1, breaker: { window: { kind: 'consecutive', failures: 2 } } });
    for (const b of [rex.breakers!.exchange, ...Object.values(rex.breakers!.groups)]) expect(b.currentSettings().window).toEqual({ kind: 'consecutive', failures: 2 });
    router.setFaults(down);
    await drive(clock, rex.fetchTicker(SYMBOL).catch(() => undefined));
    expect(rex.breakers!.groups.marketData.state).toBe('closed');
    await drive(clock, rex.fetchTicker(SYMBOL).catch(() => undefined));
    expect(rex.breakers!.groups.marketData.state).toBe('open');
  });

  it('sets the ccxt client timeout and the retry budget; emits settingsChange with before and after', async () => {
    const { rex, exchange, clock } = await setup();
    const seen: Array<SettingsChange<ExchangeSettings>> = [];
    rex.on('settingsChange', (c) => seen.push(c));
    const before = rex.currentSettings();
    const after = rex.reconfigure({ timeoutMs: 1_500, retryBudget: { ratio: 0.1 } });
    expect(exchange.timeout).toBe(1_500);
    expect(after).toMatchObject({ timeoutMs: 1_500, maxAttempts: 3, retryBudget: { ratio: 0.1, minRetriesPerSecond: 10 } });
    expect(seen).toEqual([{ from: before, to: after, at: clock.now() }]);
  });

  it('checks every value before changing any: a bad one throws naming it and nothing changes', async () => {
    const { rex } = await setup();
    const before = rex.currentSettings();
    expect(() => rex.reconfigure({ maxAttempts: 2, breaker: { failureRateThreshold: 2 } })).toThrow(/failureRateThreshold/);
    expect(() => rex.reconfigure({ timeoutMs: 1_000, maxAttempts: 0 })).toThrow(/resilientExchange.reconfigure: maxAttempts/);
    expect(() => rex.reconfigure({ retryBudget: { ratio: -1 } })).toThrow(/retryBudget.ratio/);
    expect(() => rex.reconfigure({ lookupAttempts: 2 } as never)).toThrow('resilientExchange.reconfigure: unknown setting lookupAttempts');
    expect(rex.currentSettings()).toEqual(before);
  });

  it('without breakers a breaker change is refused', async () => {
    const env = await offlineBinance();
    const rex = resilientExchange(env.exchange, { clock: env.clock, breaker: false });
    expect(rex.currentSettings().breaker).toBeUndefined();
    expect(() => rex.reconfigure({ breaker: { openMs: 1_000 } })).toThrow(/breakers are off/);
  });
});
