/**
 * The server's components from a configuration file (`bulwark start --config FILE`): storage in
 * the configured data directory, its dead-letter queue and backups, health checks, metrics, the
 * process's breaker registry and an alert engine. Kept minimal: the user's own bot registers its
 * breakers in the shared registry (`registry.breaker(name)`) to see them here.
 */
import { join } from 'node:path';
import { backups } from '../backup/backups.js';
import type { BulwarkConfig } from '../config/schema.js';
import { type LoadConfigOptions, loadConfig } from '../config/loader.js';
import { deadLetters } from '../dlq/dead-letters.js';
import { memoryCheck } from '../health/checks/memory.js';
import { healthRegistry } from '../health/registry.js';
import { healthScore } from '../health/score.js';
import { type HealthSnapshotLike, observeHealth } from '../observe/health-metrics.js';
import { AlertEngine } from '../observe/alerts/engine.js';
import { registrySource } from '../observe/alerts/source.js';
import { observeBreaker } from '../observe/bind-policies.js';
import { createMetrics } from '../observe/metrics.js';
import { registry } from '../policies/registry.js';
import { sqliteStorage } from '../storage/sqlite.js';
import { operatorSettings } from '../storage/repos/operator-settings.js';
import type { ServerComponents } from './components.js';
import { liveEvents } from './live-events.js';
import { operatorState } from './operator-state.js';
import { type StartRecoveryOptions, recoverAtStart } from './start-recovery.js';

/**
 * Reads and validates a configuration file over the same layers as `bulwark config check FILE`:
 * defaults < FILE < `config/<env>.yaml` < BULWARK_ environment variables. Errors name the layer
 * (file or variable), the key and the reason.
 */
export function readConfigFile(file: string, options: Omit<LoadConfigOptions, 'file'> = {}): BulwarkConfig {
  return loadConfig({ ...options, file }).config;
}

export interface ConfiguredOptions {
  /**
   * Exchanges this service trades on, reconciled at start before anything trades (none yet from a
   * configuration file: a program that embeds the server passes its own).
   */
  exchanges?: StartRecoveryOptions['exchanges'];
}

export async function componentsFromConfig(config: BulwarkConfig, options: ConfiguredOptions = {}): Promise<{ components: ServerComponents; close(): Promise<void> }> {
  const storage = await sqliteStorage({ dataDir: config.dataDir });
  const metrics = createMetrics();
  const health = healthRegistry({ defaultIntervalMs: config.health.intervalMs, defaultTimeoutMs: config.health.timeoutMs });
  health.register(memoryCheck());
  health.register({ name: 'storage', group: 'services', check: async () => (await storage.one('SELECT 1 AS ok')) !== undefined });
  health.start();
  const unbind = registry.breakers().map((breaker) => observeBreaker(metrics, breaker));
  // Health as metrics (score and check status), from a report refreshed on the health interval.
  let lastHealth: HealthSnapshotLike | undefined;
  const refreshHealth = (): Promise<void> =>
    health.check().then(
      (report) => void (lastHealth = { score: healthScore(report).score, checks: report.checks }),
      () => undefined,
    );
  await refreshHealth();
  const healthTimer = setInterval(() => void refreshHealth(), config.health.intervalMs);
  healthTimer.unref();
  unbind.push(observeHealth(metrics, () => lastHealth), () => clearInterval(healthTimer));
  const alerts = new AlertEngine({ source: registrySource(metrics.registry) });
  alerts.start();
  const queue = deadLetters(storage, { name: 'default' });
  // Operator halts and rule changes come back before anything trades; then every exchange is reconciled.
  const events = liveEvents();
  const operator = operatorState({ store: operatorSettings(storage), breakers: registry, alerts });
  await recoverAtStart({ operator, events, exchanges: options.exchanges ?? [] });
  return {
    components: {
      metrics,
      events,
      operatorState: operator,
      health,
      breakers: registry,
      deadLetters: {
        queue,
        replay: () => {
          throw new Error('no replay handler is configured for this queue');
        },
      },
      backups: backups({ dir: join(config.dataDir, 'backups'), sqliteDatabases: [storage.path] }),
      alerts,
      serviceId: `bulwark-${config.env}`,
    },
    async close() {
      operator.close();
      alerts.stop();
      health.stop();
      for (const u of unbind) u();
      await storage.close();
    },
  };
}
