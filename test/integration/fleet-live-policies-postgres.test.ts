/**
 * Two instances of the configured service on one PostgreSQL (one schema, each with its own data
 * folder, both on the simulator): a policy set live on one reaches the other's exchange account
 * within its follow interval (5 s), and so does the revert, each on the other's timeline. Skips
 * with one line without PostgreSQL (fails instead under BULWARK_REQUIRE_SERVICES=1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig } from '../../src/server/configured.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schema = uniqueSchema('bw_fleet_live');
let dir: string;
let sim: SimServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-fleet-live-'));
  sim = await startSimServer({ seed: 8 });
});
afterAll(async () => {
  await sim?.close();
  if (available) await dropSchema(schema);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const configFor = (name: string) =>
  loadConfig({
    environment: {},
    readFile: () => undefined,
    overrides: {
      dataDir: join(dir, name),
      storage: { kind: 'postgres', postgresUrl, postgresSchema: schema },
      exchange: { id: 'binance', url: sim.url, apiKey: name, secret: name, symbols: ['BTC/USDT'] },
    },
  }).config;

describeWith(available, 'live policies across a fleet on PostgreSQL', () => {
  it('a change made on one instance is taken up by the other, and so is its revert', async () => {
    const a = await componentsFromConfig(configFor('a'));
    const b = await componentsFromConfig(configFor('b'));
    const appA = await buildApp(a.components, { webRoot: join(dir, 'none') });
    try {
      const set = await appA.inject({ method: 'POST', url: '/api/analytics/applied', payload: { key: 'policies.timeout.ms', value: 2_500, reason: 'tuned on a', actor: 'dana' } });
      expect(set.statusCode, set.body).toBe(200);
      expect(a.account!.exchange.exchange.timeout).toBe(2_500);
      await expect.poll(() => b.account!.exchange.exchange.timeout, { timeout: 15_000, interval: 250 }).toBe(2_500);
      expect(b.components.events!.timeline().some((e) => e.message.startsWith('live change taken from another instance: policies.timeout.ms 10000 -> 2500 (dana: changed on another instance: tuned on a)'))).toBe(true);

      expect((await appA.inject({ method: 'POST', url: '/api/analytics/applied/revert', payload: { key: 'policies.timeout.ms', reason: 'back' } })).statusCode).toBe(200);
      await expect.poll(() => b.account!.exchange.exchange.timeout, { timeout: 15_000, interval: 250 }).toBe(10_000);
    } finally {
      await appA.close();
      await a.close();
      await b.close();
    }
  }, 60_000);
});
