import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { AlertEngine } from '../../../src/observe/alerts/engine.js';
import { registrySource } from '../../../src/observe/alerts/source.js';
import { storageAlertHistory } from '../../../src/observe/alerts/storage-history.js';
import { createMetrics } from '../../../src/observe/metrics.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-alert-history-'));
  dirs.push(dir);
  return dir;
}

describe('storageAlertHistory (SQLite)', () => {
  it('keeps alert transitions across a restart, newest first, filtered by rule', async () => {
    const dir = dataDir();
    const clock = new ManualClock(1_000);
    const metrics = createMetrics({ defaultMetrics: false });
    let storage = await sqliteStorage({ dataDir: dir });
    const engine = new AlertEngine({ source: registrySource(metrics.registry), clock, history: await storageAlertHistory(storage) });
    engine.add({ name: 'low-score', metric: 'bulwark_health_score', condition: '<', threshold: 50, severity: 'critical' });
    engine.add({ name: 'other', metric: 'bulwark_health_score', condition: '<', threshold: 10 });
    metrics.healthScore.set(20);
    await engine.evaluate();
    await clock.advance(1_000);
    metrics.healthScore.set(90);
    await engine.evaluate();
    await storage.close();

    storage = await sqliteStorage({ dataDir: dir });
    const history = await storageAlertHistory(storage);
    const entries = await history.list({ rule: 'low-score' });
    expect(entries.map((e) => [e.event, e.at, e.value])).toEqual([
      ['resolved', 2_000, 90],
      ['firing', 1_000, 20],
    ]);
    expect(entries[0]?.severity).toBe('critical');
    await history.record({ at: 3_000, rule: 'low-score', event: 'pending', severity: 'critical' });
    expect((await history.list({ limit: 1 }))[0]).toEqual({ at: 3_000, rule: 'low-score', event: 'pending', severity: 'critical' });
    await storage.close();
  });

  it('rejects a bad maxRows, naming it', async () => {
    const storage = await sqliteStorage({ dataDir: dataDir() });
    await expect(storageAlertHistory(storage, { maxRows: 0 })).rejects.toThrow(/maxRows/);
    await storage.close();
  });
});
