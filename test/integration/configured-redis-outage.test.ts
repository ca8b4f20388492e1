/**
 * The configured service's Redis (a private redis-server) goes away after start and comes back:
 * while it is away the exchange account's budget cannot be charged, so its reads fail with a
 * gateway error naming why; once it is back they work again, with no restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { buildApp, type OpsApp } from '../../src/server/app.js';
import { type Configured, componentsFromConfig } from '../../src/server/configured.js';
import { type SimServer, startSimServer } from '../../src/trading/sim/server.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server', probeRedisServerBinary);

describeWith(available, 'configured service when its Redis goes away', () => {
  let dir: string;
  let port: number;
  let redis: ChildProcess;
  let sim: SimServer;
  let configured: Configured;
  let app: OpsApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-cfg-redis-'));
    port = await freePort();
    redis = await startRedisServer(port);
    sim = await startSimServer({ seed: 5 });
    const config = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: { dataDir: join(dir, 'data'), storage: { redisUrl: `redis://127.0.0.1:${port}` }, exchange: { id: 'binance', url: sim.url, apiKey: 'k', secret: 's', symbols: ['BTC/USDT'] } },
    }).config;
    configured = await componentsFromConfig(config);
    app = await buildApp(configured.components, { webRoot: join(dir, 'none') });
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    await configured?.close();
    await sim?.close();
    if (redis) await stopRedisServer(redis);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads fail with 502 while Redis is away, and work again when it is back', async () => {
    await stopRedisServer(redis);
    const down = await app.inject({ method: 'GET', url: '/api/account' });
    expect(down.statusCode).toBe(502);
    expect((down.json() as { detail: string }).detail).toMatch(/^the exchange did not answer: /);
    redis = await startRedisServer(port);
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await app.inject({ method: 'GET', url: '/api/account' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  }, 30_000);
});
