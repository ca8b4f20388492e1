import { describe, expect, it } from 'vitest';
import { botConfig, runBot } from '../../../src/cli/commands/bot-run.js';
import { loadConfig } from '../../../src/config/loader.js';

const load = (overrides: Record<string, unknown>) => loadConfig({ dir: 'no-such-config-dir', environment: {}, overrides }).config;
const base = { storage: { redisUrl: 'redis://127.0.0.1:6379' } };

describe('bulwark bot: the configuration it runs with', () => {
  it('trades on the URL given, as the simulator speaks Binance, and leaves cancel-on-halt to the service', () => {
    const config = botConfig(load({ ...base, exchange: { id: 'binance', sandbox: true, apiKey: 'k', secret: 's', cancelOpenOrdersOnHalt: true } }), 'http://127.0.0.1:19650');
    expect(config.exchange).toMatchObject({ id: 'binance', url: 'http://127.0.0.1:19650', cancelOpenOrdersOnHalt: false });
    expect(config.exchange.sandbox).toBeUndefined();
    expect(botConfig(load(base), 'http://127.0.0.1:19650').exchange.id).toBe('binance');
  });

  it('refuses a configuration without an exchange, without Redis, or a URL that is not http(s)', () => {
    expect(() => botConfig(load(base), undefined)).toThrow('the configuration names no exchange (exchange.id)');
    expect(() => botConfig(load({ exchange: { id: 'binance' } }), undefined)).toThrow('storage.redisUrl is not set');
    expect(() => botConfig(load(base), 'ftp://x')).toThrow('--exchange-url must be an http(s) URL');
    expect(() => botConfig(load(base), 'not a url')).toThrow('--exchange-url must be an http(s) URL');
  });

  it('refuses an instance name the fleet cannot carry and a tick that is not a positive integer, before opening anything', async () => {
    await expect(runBot({ config: 'unused.yaml', instance: 'bad name!' })).rejects.toThrow('--instance must be 1-100 letters');
    await expect(runBot({ config: 'unused.yaml', instance: 'ok', tickMs: '0' })).rejects.toThrow('--tick-ms must be a positive integer');
  });
});
