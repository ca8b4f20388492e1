import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { exchangeClient, probeExchange, readCredentialsFile } from '../../src/server/exchange-account.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';

let dir: string;
let sim: SimServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-exchange-account-'));
  sim = await startSimServer({ seed: 3 });
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});

const configWith = (exchange: Record<string, unknown>) => loadConfig({ environment: {}, readFile: () => undefined, overrides: { exchange } }).config;

describe('exchangeClient', () => {
  it('builds the ccxt client named by exchange.id, pointed at a custom URL, with the credentials from the file under those of the configuration', async () => {
    const file = join(dir, 'creds.yaml');
    await writeFile(file, 'apiKey: from-file-key\nsecret: from-file-secret\n');
    const client = exchangeClient(configWith({ id: 'binance', url: sim.url, credentialsFile: file, apiKey: 'from-config-key' }));
    expect(client.id).toBe('binance');
    expect(client.apiKey).toBe('from-config-key');
    expect(client.secret).toBe('from-file-secret');
    expect(JSON.stringify(client.urls.api)).toContain(new URL(sim.url).origin);
    expect(JSON.stringify(client.urls.api)).not.toContain('api.binance.com');
  });

  it('refuses an id ccxt does not know, naming the key', () => {
    expect(() => exchangeClient(configWith({ id: 'no-such-exchange' }))).toThrow('exchange.id: "no-such-exchange" is not an exchange ccxt knows');
  });

  it('a public client carries no credentials; the sandbox switches URLs', () => {
    const client = exchangeClient(configWith({ id: 'binance', apiKey: 'k', secret: 's', sandbox: true }), { withCredentials: false });
    expect(client.apiKey ?? '').toBe('');
    expect(JSON.stringify(client.urls.api)).toContain('testnet');
  });
});

describe('an account without symbols', () => {
  it('reads every open order of the account (no symbol needed)', async () => {
    const client = exchangeClient(configWith({ id: 'binance', url: sim.url, apiKey: 'k', secret: 's' }));
    await client.loadMarkets();
    await client.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000);
    expect((await client.fetchOpenOrders()).map((o) => o.symbol)).toEqual(['BTC/USDT']);
  });
});

describe('readCredentialsFile', () => {
  it('names the key and the file, never the content', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'apiKey: 12345\nsecret: topsecretvalue\n');
    expect(() => readCredentialsFile(bad)).toThrow(`exchange.credentialsFile: apiKey in ${bad} must be a non-empty string`);
    const extra = join(dir, 'extra.yaml');
    await writeFile(extra, 'apiKey: a\nsecret: b\ntoken: c\n');
    expect(() => readCredentialsFile(extra)).toThrow('unknown key "token"');
    expect(() => readCredentialsFile(join(dir, 'none.yaml'))).toThrow(/cannot read .*none\.yaml \(ENOENT\)/);
    try {
      readCredentialsFile(bad);
    } catch (error) {
      expect(String(error)).not.toContain('topsecretvalue');
    }
  });
});

describe('probeExchange', () => {
  it('asks the public endpoint for the server time', async () => {
    expect(await probeExchange(configWith({ id: 'binance', url: sim.url }))).toMatch(new RegExp(`^binance at ${new URL(sim.url).origin} answers \\(server time \\d{4}-`));
  });

  it('fails on a credentials file it cannot read, before calling the exchange', async () => {
    await expect(probeExchange(configWith({ id: 'binance', url: sim.url, credentialsFile: join(dir, 'absent.yaml') }))).rejects.toThrow(/exchange\.credentialsFile: cannot read .*absent\.yaml \(ENOENT\)/);
  });
});
