/**
 * A service watching two accounts of one exchange (`exchanges:`, each named), on two simulators:
 * each account has its own breakers and journal rows (the journal's exchange column is the
 * account's name), /api/account needs ?name= to pick one, the follower of one account never
 * touches the other's intents, and a halt of the service's one gate cancels the open orders of both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { type OpsApp, buildApp } from '../../src/server/app.js';
import { type Configured, componentsFromConfig } from '../../src/server/configured.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { until } from '../support/bulwark-bot.js';

describe('a service watching two accounts', () => {
  let dir: string;
  let simA: SimServer;
  let simB: SimServer;
  let configured: Configured;
  let app: OpsApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-accounts-'));
    simA = await startSimServer({ seed: 1 });
    simB = await startSimServer({ seed: 2 });
    const config = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: {
        dataDir: join(dir, 'data'),
        exchanges: [
          { name: 'desk-a', id: 'binance', url: simA.url, apiKey: 'a', secret: 'a', symbols: ['BTC/USDT'], cancelOpenOrdersOnHalt: true },
          { name: 'desk-b', id: 'binance', url: simB.url, apiKey: 'b', secret: 'b', symbols: ['BTC/USDT'], cancelOpenOrdersOnHalt: true },
        ],
      },
    }).config;
    configured = await componentsFromConfig(config);
    app = await buildApp(configured.components, { webRoot: join(dir, 'none') });
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await configured?.close();
    await simA?.close();
    await simB?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists both accounts; /api/account needs a name with several, and names the unknown one', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/accounts' })).json()).toEqual([{ name: 'desk-a' }, { name: 'desk-b' }]);
    const unnamed = await app.inject({ method: 'GET', url: '/api/account' });
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json()).toMatchObject({ errors: [{ field: 'name' }] });
    expect((await app.inject({ method: 'GET', url: '/api/account?name=desk-c' })).statusCode).toBe(404);
    const b = await app.inject({ method: 'GET', url: '/api/account?name=desk-b' });
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ exchange: 'desk-b' });
  });

  it('gives each account its own breakers, named after it', async () => {
    const names = (await app.inject({ method: 'GET', url: '/api/breakers' })).json<Array<{ name: string }>>().map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining(['desk-a:all', 'desk-a:orders', 'desk-b:all', 'desk-b:orders']));
  });

  it('journals each account\'s intents under its name; one account\'s follower never settles the other\'s', async () => {
    const [a, b] = configured.accounts;
    const order = await a!.exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'acct-a-1' });
    await a!.exchange.flushJournal();
    expect(await a!.exchange.journal.get('acct-a-1')).toMatchObject({ exchange: 'desk-a', state: 'OPEN' });
    // desk-b's exchange holds no such order: its pass must not look at desk-a's intent at all.
    const report = await b!.follow().pass();
    expect(report.errors).toEqual([]);
    expect([...report.resolved, ...report.updated.map((u) => ({ intentId: u.intentId })), ...report.failed.map((intentId) => ({ intentId }))]).toEqual([]);
    expect(await a!.exchange.journal.get('acct-a-1')).toMatchObject({ state: 'OPEN', exchangeOrderId: String(order.id) });
  });

  it('a halt of the service\'s one gate cancels the open orders of both accounts', async () => {
    const [, b] = configured.accounts;
    await b!.exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000, { intentId: 'acct-b-1' });
    expect(simA.engine.visibleOrders().filter((o) => o.status === 'NEW')).toHaveLength(1);
    expect(simB.engine.visibleOrders().filter((o) => o.status === 'NEW')).toHaveLength(1);
    const halt = await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'accounts test' } });
    expect(halt.statusCode).toBe(200);
    await until(() => simA.engine.visibleOrders().every((o) => o.status !== 'NEW') && simB.engine.visibleOrders().every((o) => o.status !== 'NEW'), 10_000, 'both accounts\' orders cancelled');
    expect((await app.inject({ method: 'POST', url: '/api/gate/resume', payload: { reason: 'done' } })).statusCode).toBe(200);
  });
});
