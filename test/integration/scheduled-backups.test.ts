/**
 * Scheduled backups as a singleton duty on the real Redis: two configured ops services of one
 * deployment (each with its own data folder) take backups every 400 ms; only the elected one does,
 * and when it stops the other is elected and takes them from then on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { type Configured, componentsFromConfig } from '../../src/server/configured.js';
import { until } from '../support/bulwark-bot.js';
import { deleteKeys, describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';

const available = await requireService('Redis', probeRedis);

describeWith(available, 'scheduled backups: one ops service of the deployment takes them', () => {
  const prefix = `test:scheduled-backups:${randomUUID().slice(0, 8)}:`;
  let dir: string;
  const services = new Map<string, Configured>();
  const backupsIn = async (id: string): Promise<number> => (await readdir(join(dir, id, 'backups')).catch(() => [] as string[])).filter((f) => !f.startsWith('.')).length;

  const start = async (id: string): Promise<void> => {
    const config = loadConfig({
      environment: {},
      readFile: () => undefined,
      overrides: {
        dataDir: join(dir, id),
        storage: { redisUrl, redisPrefix: prefix },
        fleet: { instance: id, leaseMs: 1_000, renewMs: 250 },
        backup: { everyMs: 400, keepLast: 3 },
      },
    }).config;
    services.set(id, await componentsFromConfig(config));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-scheduled-backups-'));
    await start('ops-1');
    await start('ops-2');
  }, 30_000);

  afterAll(async () => {
    for (const s of services.values()) await s.close();
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, prefix);
    redis.disconnect();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('the first service takes them, keeping the newest three; the second takes none', async () => {
    await until(async () => (await backupsIn('ops-1')) >= 3, 10_000, 'three backups by ops-1');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await backupsIn('ops-1')).toBe(3);
    expect(await backupsIn('ops-2')).toBe(0);
    expect(await services.get('ops-1')!.components.health!.run('backups')).toMatchObject({ status: 'up' });
    expect(await services.get('ops-2')!.components.health!.run('backups')).toMatchObject({ status: 'up', message: expect.stringContaining('another ops service') });
  }, 20_000);

  it('when the first service stops, the second is elected and takes them from then on', async () => {
    await services.get('ops-1')!.close();
    services.delete('ops-1');
    await until(async () => (await backupsIn('ops-2')) >= 2, 10_000, 'backups by ops-2');
  }, 20_000);
});
