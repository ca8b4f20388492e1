import { describe, expect, it } from 'vitest';
import { botConfig, runBot } from '../../../src/cli/commands/bot-run.js';
import { loadConfig } from '../../../src/config/loader.js';

const load = (overrides: Record<string, unknown>) => loadConfig({ dir: 'no-such-config-dir', environment: {}, overrides }).config;
const base = { storage: { redisUrl: 'redis://127.0.0.1:6379' } };

describe('bulwark bot: the configuration it runs with', () => {
  it('trades on the URL given, as the simulator speaks Binance, and leaves cancel-on-halt to the service', () => {
    const { config } = botConfig(load({ ...base, exchange: { id: 'binance', sandbox: true, apiKey: 'k', secret: 's', cancelOpenOrdersOnHalt: true } }), 'http://127.0.0.1:19650');
    expect(config.exchange).toMatchObject({ id: 'binance', url: 'http://127.0.0.1:19650', cancelOpenOrdersOnHalt: false });
    expect(config.exchange.sandbox).toBeUndefined();
    expect(botConfig(load(base), 'http://127.0.0.1:19650').config.exchange.id).toBe('binance');
  });

  it('with several accounts, trades on the one --account names, under its name; refuses none or an unknown one, listing them', () => {
    const several = load({
      ...base,
      exchanges: [
        { name: 'desk-a', id: 'binance', apiKey: 'a', secret: 'a' },
        { name: 'desk-b', id: 'binance', apiKey: 'b', secret: 'b', symbols: ['ETH/USDT'] },
      ],
    });
    const chosen = botConfig(several, undefined, 'desk-b');
    expect(chosen.name).toBe('desk-b');
    expect(chosen.config.exchange).toMatchObject({ id: 'binance', apiKey: 'b', symbols: ['ETH/USDT'] });
    expect(() => botConfig(several, undefined)).toThrow('the configuration names 2 accounts: give --account (desk-a, desk-b)');
    expect(() => botConfig(several, undefined, 'desk-c')).toThrow('--account: the configuration names no account "desk-c" (accounts: desk-a, desk-b)');
    // One account under `exchange:` keeps the ccxt id as its name.
    expect(botConfig(load({ ...base, exchange: { id: 'binance' } }), undefined).name).toBeUndefined();
  });

  it('refuses a configuration without an exchange, without Redis, or a URL that is not http(s)', () => {
    expect(() => botConfig(load(base), undefined)).toThrow('the configuration names no exchange (exchange.id)');
    expect(() => botConfig(load({ exchange: { id: 'binance' } }), undefined)).toThrow('storage.redisUrl is not set');
    expect(() => botConfig(load(base), 'ftp://x')).toThrow('--exchange-url must be an http(s) URL');
    expect(() => botConfig(load(base), 'not a url')).toThrow('--exchange-url must be an http(s) URL');
  });

  it('refuses an instance name the fleet cannot carry and a tick that is not a positive integer, before opening anything', async () => {
    await expect(runBot({ config: 'unused.yaml', instance: 'bad name!' })).rejects.toThrow('--instance must be 1-100 letters');
    await expect(runBot({ config: 'unused.yaml', instance: 'ok', tickMs: '0' })).rejects.toThrow('--tick-ms must be an integer >= 1, got 0');
  });
});
