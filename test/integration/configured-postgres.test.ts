/**
 * The configured service on PostgreSQL when PostgreSQL goes away (a TCP proxy cut): an operator's
 * action is kept in the local spool and written when the database is back. And the configured
 * exchange account with `cancelOpenOrdersOnHalt`: a halt cancels the account's open orders on the
 * (simulated) exchange, with no bot left to do it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { registerBackup } from '../../src/cli/commands/backup.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { pointAtSimulator } from '../../src/trading/sim/connect.js';
import { startSimServer } from '../../src/trading/sim/server.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { adminQuery, dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schemas: string[] = [];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-configured-pg-'));
});
afterAll(async () => {
  if (available) for (const s of schemas) await dropSchema(s);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const configFor = (schema: string, url: string, extra: Record<string, unknown> = {}) =>
  loadConfig({
    environment: {},
    readFile: () => undefined,
    overrides: { dataDir: join(dir, schema), storage: { kind: 'postgres', postgresUrl: url, postgresSchema: schema }, ...extra },
  }).config;

describeWith(available, 'configured service on PostgreSQL', () => {
  it('an operator action (a breaker isolation) made while PostgreSQL is unreachable is spooled, then written when it is back', async () => {
    const schema = uniqueSchema('bw_cfg_spool');
    schemas.push(schema);
    const proxy = new TcpProxy(new URL(postgresUrl).hostname, Number(new URL(postgresUrl).port || 5432));
    await proxy.open();
    const via = new URL(postgresUrl);
    via.port = String(proxy.port);
    const configured = await componentsFromConfig(configFor(schema, via.toString()));
    const app = await buildApp(configured.components, { webRoot: join(dir, 'none') });
    try {
      await proxy.close();
      const { registry } = await import('../../src/policies/registry.js');
      const breaker = registry.breaker('configured-pg-spool');
      const res = await app.inject({ method: 'POST', url: '/api/breakers/configured-pg-spool/isolate', payload: { actor: 'erin' } });
      expect(res.statusCode).toBe(200);
      expect(configured.spool!.pending).toBe(1);
      expect(await adminQuery(`SELECT key FROM "${schema}".operator_settings`)).toEqual([]);
      await proxy.open();
      expect(await configured.spool!.flush()).toBe(1);
      expect(await adminQuery<{ key: string; actor: string }>(`SELECT key, actor FROM "${schema}".operator_settings`)).toEqual([{ key: 'breaker:configured-pg-spool', actor: 'erin' }]);
      breaker.reset();
    } finally {
      await app.close();
      await configured.close();
      await proxy.close();
    }
  }, 30_000);

  it('cancelOpenOrdersOnHalt: a halt cancels the account open orders on the exchange', async () => {
    const schema = uniqueSchema('bw_cfg_cancel');
    schemas.push(schema);
    const sim = await startSimServer({ seed: 11 });
    const configured = await componentsFromConfig(
      configFor(schema, postgresUrl, { exchange: { id: 'binance', url: sim.url, apiKey: 'k', secret: 's', symbols: ['BTC/USDT'], cancelOpenOrdersOnHalt: true } }),
    );
    const app = await buildApp(configured.components, { webRoot: join(dir, 'none') });
    try {
      const bot = pointAtSimulator(new ccxt.binance({ apiKey: 'bot', secret: 'bot', enableRateLimit: false, options: { maxRetriesOnFailure: 0 } }), sim.url);
      await bot.loadMarkets();
      await bot.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 10_000);
      await bot.createOrder('BTC/USDT', 'limit', 'buy', 0.01, 11_000);
      expect(await bot.fetchOpenOrders('BTC/USDT')).toHaveLength(2);
      const halted = new Promise<string>((resolve) => configured.components.events!.subscribe((e) => {
          const message = (e.data as { message?: string }).message ?? '';
          if (message.includes('open order')) resolve(message);
        }));
      expect((await app.inject({ method: 'POST', url: '/api/gate/halt', payload: { reason: 'incident', actor: 'erin' } })).statusCode).toBe(200);
      expect(await halted).toBe('gate halted: 2 open order(s) cancelled by the service');
      expect(await bot.fetchOpenOrders('BTC/USDT')).toEqual([]);
    } finally {
      await app.close();
      await configured.close();
      await sim.close();
    }
  }, 30_000);

  it('backs the service tables up as rows; `backup restore --config` puts them back in the schema', async () => {
    const schema = uniqueSchema('bw_cfg_backup');
    schemas.push(schema);
    const config = configFor(schema, postgresUrl);
    const first = await componentsFromConfig(config);
    const app = await buildApp(first.components, { webRoot: join(dir, 'none') });
    let id: string;
    try {
      const rule = { name: 'Kept', metric: 'bulwark_dlq_depth', condition: '>', threshold: 5, severity: 'warning', description: 'letters' };
      expect((await app.inject({ method: 'POST', url: '/api/alerts/rules', headers: { 'x-bulwark-actor': 'frank' }, payload: rule })).statusCode).toBe(201);
      const created = await app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'state' } });
      expect(created.statusCode).toBeLessThan(300);
      id = (created.json() as { id: string }).id;
    } finally {
      await app.close();
      await first.close();
    }
    await adminQuery(`DELETE FROM "${schema}".operator_settings`);

    const file = join(dir, `${schema}.yaml`);
    await writeFile(file, `dataDir: ${JSON.stringify(config.dataDir)}\nstorage:\n  kind: postgres\n  postgresUrl: ${JSON.stringify(postgresUrl)}\n  postgresSchema: ${schema}\n`);
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerBackup(program, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true }, env: {} });
    await program.parseAsync(['node', 'bulwark', 'backup', 'restore', id, '--dir', join(config.dataDir, 'backups'), '--config', file]);
    expect(out.join('')).toContain('providers restored: 1\n  postgres-tables');
    expect(await adminQuery<{ key: string; actor: string }>(`SELECT key, actor FROM "${schema}".operator_settings`)).toEqual([{ key: 'alert-rule:Kept', actor: 'frank' }]);
  }, 30_000);
});
