/**
 * The server's components from a configuration file (`bulwark start --config FILE`), every section
 * honoured: storage on SQLite or PostgreSQL (`storage.kind`) holding the journal, dead letters,
 * alert history and operator state, with backups of it; Redis (`storage.redisUrl`) for the
 * exchange's shared rate budget; health with the configured intervals and score weights; and the
 * exchange account (`exchange.id`) with its gate, breakers and orders. The user's own bot in this
 * process registers its breakers in the shared registry (`registry.breaker(name)`) to see them here.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { backups } from '../backup/backups.js';
import { SERVICE_TABLES, storageTablesProvider } from '../backup/storage-tables.js';
import { ConfigError, type ConfigIssue } from '../config/config-error.js';
import type { BulwarkConfig } from '../config/schema.js';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from '../config/loader.js';
import { accountsOf } from '../config/accounts.js';
import { bulwarkVersion } from '../core/version.js';
import { deadLetters } from '../dlq/dead-letters.js';
import { memoryCheck } from '../health/checks/memory.js';
import { healthRegistry } from '../health/registry.js';
import { healthScore } from '../health/score.js';
import { type HealthSnapshotLike, observeHealth } from '../observe/health-metrics.js';
import { AlertEngine } from '../observe/alerts/engine.js';
import { observeAlerts } from '../observe/alert-metrics.js';
import { registrySource } from '../observe/alerts/source.js';
import { storageAlertHistory } from '../observe/alerts/storage-history.js';
import { observeBreaker } from '../observe/bind-policies.js';
import { createMetrics } from '../observe/metrics.js';
import { postgresReplicaAlertRules } from '../observe/postgres-replica-alerts.js';
import { observePostgresReplicas } from '../observe/postgres-replica-metrics.js';
import { REPLICATED_POSTGRES_DEFAULTS } from '../storage/replicated-postgres.js';
import { fleetControl } from '../fleet/control.js';
import { type FleetMember, joinFleet } from '../fleet/member.js';
import { registry } from '../policies/registry.js';
import { auditLog } from '../security/audit-log.js';
import { backupManifestKeys, loadServerKey } from '../security/server-key.js';
import { tradingGate } from '../trading/gate.js';
import { operatorSettings } from '../storage/repos/operator-settings.js';
import { operatorSettingKinds, spooledOperatorSettings } from '../storage/repos/spooled-operator-settings.js';
import { type SpooledWriter, spooledWriter } from '../storage/spool.js';
import type { Storage } from '../storage/types.js';
import { type AccountDuty, accountDuty, leaseOf } from './account-duty.js';
import { auditDecisions, auditRestoredState } from './audit-decisions.js';
import { observeFleet } from './fleet-metrics.js';
import { configuredAnalytics } from './configured-analytics.js';
import { scheduleBackups } from './scheduled-backups.js';
import { configuredThreats } from './configured-threats.js';
import type { ServerComponents } from './components.js';
import { configuredChaos } from './configured-chaos.js';
import { configuredRegion } from './configured-region.js';
import type { RegionLease } from '../failover/region-lease.js';
import { ChaosExperiments } from '../chaos/experiments/chaos-experiments.js';
import { defaultActivityRegistry } from '../chaos/experiments/default-registry.js';
import { chaosRunStore } from '../chaos/experiments/run-store.js';
import { type ConfiguredExchange, configuredExchange, observeGate } from './configured-exchange.js';
import { SERVICE_MIGRATIONS, fleetPrefixOf, openConfiguredStores } from './configured-stores.js';
import { resolveConfigSecrets } from './configured-secrets.js';
import { liveEvents } from './live-events.js';
import { operatorState } from './operator-state.js';
import { livePolicies, reportFleetPolicies, reportRestoredPolicies } from './live-policies.js';
import { presetBreakerOptions } from '../trading/presets.js';
import { bindFailover } from './failover-events.js';
import type { FailoverGroup } from '../failover/types.js';
import { type StartRecoveryOptions, recoverAtStart } from './start-recovery.js';

/**
 * Reads and validates a configuration file over the same layers as `bulwark config check FILE`:
 * defaults < FILE < `config/<env>.yaml` < BULWARK_ environment variables. Errors name the layer
 * (file or variable), the key and the reason.
 */
export function readConfigFile(file: string, options: Omit<LoadConfigOptions, 'file'> = {}): BulwarkConfig {
  return loadConfigFile(file, options).config;
}

/** readConfigFile, with the layer that set each key (to name it in later errors). */
export function loadConfigFile(file: string, options: Omit<LoadConfigOptions, 'file'> = {}): LoadedConfig {
  return loadConfig({ ...options, file });
}

/**
 * Settings this service accepts but cannot honour: start refuses them rather than ignore them.
 * Each names the key and why.
 */
export function unsupportedSettings(_config: BulwarkConfig, _sources: ReadonlyMap<string, string> = new Map()): ConfigIssue[] {
  // Every setting is honoured today (features.chaos runs the fault proxies of chaos.proxies); the check stays for the next one.
  return [];
}

/** The service's id among its fleet's instances: `fleet.instance`, else `service-<host>`. */
export function serviceInstanceOf(config: BulwarkConfig): string {
  return config.fleet.instance ?? `service-${hostname()}`;
}

/** Banner lines saying what a configured service runs on (no credentials: URLs are shown by host only). */
export function configuredSummary(config: BulwarkConfig): string[] {
  const host = (url: string | undefined): string => {
    try {
      return url ? new URL(url).host : '';
    } catch {
      return '?';
    }
  };
  const storage = config.storage.kind === 'postgres' ? `PostgreSQL ${host(config.storage.postgresUrl)} schema ${config.storage.postgresSchema ?? 'public'}` : `SQLite in ${config.dataDir}`;
  const lines = [`  storage    ${storage}${config.storage.redisUrl ? `; Redis ${host(config.storage.redisUrl)} prefix ${config.storage.redisPrefix}` : ''}`];
  if (config.storage.redisUrl) lines.push(`  fleet      ${config.storage.redisPrefix}fleet: as ${serviceInstanceOf(config)} (bots join with \`bulwark bot --config FILE\`)`);
  if (config.region) lines.push(`  region     ${config.region.name}: trades only while it holds the lease ${config.region.lease?.name ?? 'trading'} (shared PostgreSQL)`);
  for (const { name, settings } of accountsOf(config)) {
    const where = settings.url ? ` at ${host(settings.url)}` : settings.sandbox ? ' (sandbox)' : '';
    const label = name === settings.id ? name : `${name} (${settings.id})`;
    lines.push(`  exchange   ${label}${where}: gate, breakers and journal followed${settings.cancelOpenOrdersOnHalt ? '; open orders cancelled on halt' : ''}`);
  }
  return lines;
}

/** The backup provider name of the service's tables on PostgreSQL. */
export const SERVICE_TABLES_PROVIDER = 'postgres-tables';

export interface ConfiguredOptions {
  /** The layer that set each key (from loadConfigFile), to name it when a setting is refused. */
  sources?: ReadonlyMap<string, string>;
  /** Exchanges a program that embeds the server trades on, reconciled at start besides the configured account. */
  exchanges?: StartRecoveryOptions['exchanges'];
}

export interface Configured {
  components: ServerComponents;
  /** The configured exchange account, when `exchange.id` is set (the first of `exchanges`). */
  account: ConfiguredExchange | undefined;
  /** Every configured account, in the configuration's order. */
  accounts: ConfiguredExchange[];
  /** The region lease, with `region:` in the configuration. */
  region: RegionLease | undefined;
  /** The spool of operator actions (PostgreSQL only). */
  spool: SpooledWriter | undefined;
  /** The service's storage (SQLite or PostgreSQL): the API tokens and sessions live there too. */
  storage: Storage;
  close(): Promise<void>;
}

export async function componentsFromConfig(written: BulwarkConfig, options: ConfiguredOptions = {}): Promise<Configured> {
  let config = written;
  const unsupported = unsupportedSettings(config, options.sources);
  if (unsupported.length > 0) throw new ConfigError(unsupported);
  const cleanups: Array<() => unknown> = [];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the service is stopping.
      }
    }
    cleanups.length = 0;
  };
  let spool: SpooledWriter | undefined;
  try {
    // Fault proxies first (only when features.chaos is on, configured-chaos.ts): storage and Redis may
    // be reached through one of them, so they listen before the stores connect and close after them.
    const events = liveEvents();
    const chaos = await configuredChaos(config, events);
    if (chaos) cleanups.push(() => chaos.close());
    const stores = await openConfiguredStores(config);
    cleanups.push(() => stores.close());
    const { storage, redis } = stores;
    // `secret:NAME` values come from the encrypted store in this storage, before anything uses them.
    config = await resolveConfigSecrets(config, storage, { ...(options.sources ? { sources: options.sources } : {}) });
    const metrics = createMetrics();
    const health = healthRegistry({ defaultIntervalMs: config.health.intervalMs, defaultTimeoutMs: config.health.timeoutMs });
    health.register(memoryCheck());
    health.register({ name: 'storage', group: 'services', check: async () => (await storage.one('SELECT 1 AS ok')) !== undefined });
    if (redis) health.register({ name: 'redis', group: 'services', check: async () => (await redis.ping()) === 'PONG' });
    // The service key with its previous keys (kept after a rotation to check older backups).
    const serviceKey = loadServerKey({ dataDir: config.dataDir, ...(config.security.keyFile ? { file: config.security.keyFile } : {}), ...(config.security.previousKeyFiles ? { previousKeyFiles: config.security.previousKeyFiles } : {}) });
    // The audit log, in the same storage, chained with the service key (every instance of a deployment shares it).
    const audit = await auditLog(storage, {
      key: serviceKey,
      ...(config.security.audit.checkpointEveryMs !== undefined ? { checkpointEveryMs: config.security.audit.checkpointEveryMs } : {}),
    });
    audit.startCheckpoints();
    cleanups.push(() => audit.close());
    const auditFailed = (): void => void events.record('operator', 'audit log', 'an audit entry could not be written; see the server log', 'critical');

    // One account: its own gate. Several: one gate for the service, each account's conditions named after it.
    const accountList = accountsOf(config);
    const sharedGate = accountList.length > 1 ? tradingGate({}) : undefined;
    if (sharedGate) cleanups.push(observeGate(sharedGate, `bulwark-${config.env}`, { health, metrics }));
    const accounts: ConfiguredExchange[] = [];
    for (const a of accountList) {
      const made = await configuredExchange(a.config, { storage, metrics, health, events, audit, name: a.name, ...(sharedGate ? { gate: sharedGate } : {}), ...(redis ? { redis } : {}) });
      accounts.push(made);
      cleanups.push(() => made.close());
    }
    const account = accounts[0];
    const gate = sharedGate ?? account?.gate;
    // Two regions in active-passive: the gate stays reducing until this region holds the trading lease.
    const region = configuredRegion(config, { storage, metrics, events, ...(gate ? { gate } : {}) });
    if (region) cleanups.push(() => region.close());
    health.start();
    cleanups.push(() => health.stop());

    const ownBreakers = (): ReturnType<typeof registry.breakers> => [...registry.breakers(), ...accounts.flatMap((a) => a.breakers)];
    for (const breaker of registry.breakers()) cleanups.push(observeBreaker(metrics, breaker));
    // Health as metrics, scored with the configured weights like /health/score, from a report refreshed on the health interval.
    const weights = config.health.weights;
    const queue = deadLetters(storage, { name: 'default' });
    let lastHealth: HealthSnapshotLike | undefined;
    let dlqDepth = 0;
    const refreshHealth = async (): Promise<void> => {
      await health.check().then(
        (report) => void (lastHealth = { score: healthScore(report, { weights }).score, checks: report.checks }),
        () => undefined,
      );
      dlqDepth = await queue.count({ status: 'pending' }).catch(() => dlqDepth);
    };
    await refreshHealth();
    const healthTimer = setInterval(() => void refreshHealth(), config.health.intervalMs);
    healthTimer.unref();
    cleanups.push(observeHealth(metrics, () => lastHealth), () => clearInterval(healthTimer));
    cleanups.push(metrics.onScrape(() => metrics.dlqDepth.set({ queue: queue.name }, dlqDepth)));

    // Recording, incidents and SLOs (configured-analytics.ts): the engine reads the SLO series beside the registry's.
    // The policies as they run: a tuning applied live reaches every account's exchange at once, and is kept (live-policies.ts).
    const live = livePolicies(config, { presetWindow: presetBreakerOptions('exchangeApi').window!, onError: (message) => events.record('operator', 'policies', message, 'critical') });
    cleanups.push(() => live.close());
    for (const a of accounts) cleanups.push(live.attach(a.exchange));
    const analytics = await configuredAnalytics(config, { storage, instance: serviceInstanceOf(config), live, ...(chaos ? { chaosRuns: await chaosRunStore(storage) } : {}) });
    cleanups.push(() => analytics.close());
    const registryMetrics = registrySource(metrics.registry);
    const alerts = new AlertEngine({ source: analytics.source(registryMetrics), history: await storageAlertHistory(storage) });
    cleanups.push(observeAlerts(metrics, alerts));
    cleanups.push(analytics.attach({ breakers: ownBreakers(), ...(gate ? { gate } : {}), exchanges: accounts.map((a) => a.exchange), alerts, rateBudgets: accounts.flatMap((a) => (a.rateBudget ? [a.rateBudget] : [])), metrics: registryMetrics }));
    alerts.start();
    cleanups.push(() => alerts.stop());
    // Lockout and detection rules over the audit log, credential uses and each account's new orders.
    const threats = await configuredThreats(config.security.threats, { storage, audit, exchanges: accounts.map((a) => a.exchange), onAuditFailure: auditFailed });
    if (threats) cleanups.push(() => threats.close());
    // Manifests are signed with the service's key, so an edited one is caught by verify and restore.
    const backupStore = backups({ dir: join(config.dataDir, 'backups'), sqliteDatabases: stores.sqlitePath ? [stores.sqlitePath] : [], ...backupManifestKeys(serviceKey) });
    // PostgreSQL cannot be copied as a file: the service's own tables go in as rows.
    if (!stores.sqlitePath) cleanups.push(backupStore.register(SERVICE_TABLES_PROVIDER, storageTablesProvider(storage, SERVICE_TABLES, { migrations: SERVICE_MIGRATIONS })));

    // Operator halts and rule changes come back before anything trades; then every exchange is reconciled.
    // On PostgreSQL an operator's action taken while the database is away goes to the local spool, written when it is back.
    let settings = operatorSettings(storage);
    if (config.storage.kind === 'postgres') {
      const writer = await spooledWriter(storage, { kinds: operatorSettingKinds, dataDir: config.dataDir });
      cleanups.push(() => writer.close());
      cleanups.push(writer.on('spooled', ({ kind }) => events.record('operator', 'storage', `PostgreSQL unreachable: ${kind} kept in the local spool until it is back`, 'warning')));
      settings = spooledOperatorSettings(settings, writer);
      spool = writer;
    }
    // The PostgreSQL replicas (`storage.postgresReplicaUrls`) and the accounts' REST hosts (`exchange.endpoints`),
    // each a failover group: shown, steered and kept like the rest.
    const failoverGroups: Array<FailoverGroup<unknown>> = [...(stores.replicaGroup ? [stores.replicaGroup] : []), ...accounts.flatMap((a) => (a.exchange.endpoints ? [a.exchange.endpoints] : []))];
    const failover = failoverGroups.length > 0 ? { groups: () => failoverGroups } : undefined;
    const operator = operatorState({ store: settings, breakers: { breakers: ownBreakers }, alerts, ...(gate ? { gate } : {}), ...(failover ? { failover } : {}) });
    cleanups.push(() => operator.close());
    // Tunings applied live before a restart come back (unless the file changed the key since: the file wins).
    reportRestoredPolicies(await live.persist(settings), events);
    // A fleet on one PostgreSQL: a change made on another instance is taken up here within seconds.
    if (config.storage.kind === 'postgres') cleanups.push(live.follow((changes) => reportFleetPolicies(changes, events)));
    const reconciled = [...(options.exchanges ?? []), ...accounts.map((a) => ({ exchange: a.exchange, options: { gate: a.gate, symbols: a.symbols, condition: a.condition } }))];
    // Decisions are recorded from here on, the gate's changes at start included (a restored kill switch, a reconciliation).
    cleanups.push(auditDecisions(audit, { ...(gate ? { gate } : {}), breakers: ownBreakers(), onFailure: auditFailed }));
    // The replicas' lag and condition, measured when scraped, and an alert when one stays past the lag limit.
    if (stores.replicated) {
      cleanups.push(observePostgresReplicas(metrics, stores.replicated));
      const maxReplicaLagMs = config.storage.postgresMaxReplicaLagMs ?? REPLICATED_POSTGRES_DEFAULTS.maxReplicaLagMs;
      for (const rule of postgresReplicaAlertRules({ maxReplicaLagMs })) if (!alerts.get(rule.name)) alerts.add(rule);
    }
    cleanups.push(bindFailover(failoverGroups, { events, audit, metrics, alerts, onAuditFailure: auditFailed }));
    const recovered = await recoverAtStart({ operator, events, exchanges: reconciled });
    await auditRestoredState(audit, recovered.operator, auditFailed);
    // With Redis the service is a member of its own fleet (a fleet-wide halt halts its gate too, and
    // `cancelOpenOrdersOnHalt` acts on it) and contends to follow the whole account; alone, it follows it all.
    // Its id among the fleet's instances, and as the holder of its duties.
    const instance = serviceInstanceOf(config);
    let member: FleetMember | undefined;
    if (redis) {
      const duties: AccountDuty[] = [];
      member = joinFleet({
        redis,
        instance,
        prefix: fleetPrefixOf(config),
        version: bulwarkVersion,
        breakers: { breakers: ownBreakers },
        health,
        duties: () => duties.flatMap((d) => d.duties()),
        ...(gate && account ? { gate, orders: { counts: () => account.orders.counts() } } : {}),
        ...(config.fleet.maxDisconnectedMs !== undefined ? { maxDisconnectedMs: config.fleet.maxDisconnectedMs } : {}),
      });
      cleanups.push(() => member?.leave());
      await member.ready;
      for (const a of accounts) {
        const duty = accountDuty(a, { redis, prefix: fleetPrefixOf(config), instance, ownPrefix: `${instance}-`, changed: () => member?.publishSoon(), events, ...leaseOf(config) });
        duties.push(duty);
        cleanups.push(() => duty.close());
      }
    } else for (const a of accounts) a.follow();
    events.record('operator', `bulwark-${config.env}`, `service started: ${config.storage.kind}${redis ? ' and Redis' : ''}${accounts.length > 0 ? `, ${accounts.length === 1 ? 'account' : 'accounts'} ${accounts.map((a) => a.exchange.id).join(', ')}` : ''}`);

    if (config.backup.everyMs !== undefined) {
      cleanups.push(await scheduleBackups(backupStore, config, { health, events, instance, ...(redis ? { redis } : {}) }));
    }

    // The bots of `bulwark bot --config` (and any joinFleet under the same prefix) are listed, steered and measured here.
    const fleet = redis ? fleetControl({ redis, prefix: fleetPrefixOf(config) }) : undefined;
    if (fleet) cleanups.push(await observeFleet(metrics, fleet));

    // Experiments with it: probes over this service's own parts and its fault proxies; the exchange-level actions need the simulator (demo mode).
    const liveTrading = config.features.liveTrading;
    const experiments = chaos
      ? new ChaosExperiments({
          registry: defaultActivityRegistry(),
          target: { health, healthWeights: weights, registry: metrics.registry, proxies: chaos.proxies, ...(gate ? { gate } : {}), ...(account ? { orders: account.orders } : {}) },
          store: await chaosRunStore(storage),
          guardrails: () => ({ chaosEnabled: true, liveTrading }),
          audit,
          onAuditFailure: auditFailed,
        })
      : undefined;
    if (experiments) cleanups.push(() => experiments.close());

    const components: ServerComponents = {
      metrics,
      events,
      operatorState: operator,
      health,
      healthWeights: weights,
      breakers: { breakers: ownBreakers },
      deadLetters: {
        queue,
        replay: () => {
          throw new Error('no replay handler is configured for this queue');
        },
      },
      backups: backupStore,
      audit,
      alerts,
      analytics: analytics.service,
      advice: analytics.advice,
      livePolicies: live,
      ...(threats ? { threats: threats.component } : {}),
      serviceId: `bulwark-${config.env}`,
      ...(fleet ? { fleet } : {}),
      ...(region ? { region: region.lease } : {}),
      ...(chaos ? { chaos: { proxies: chaos.proxies, ...(experiments ? { experiments } : {}) } } : {}),
      ...(gate ? { gate } : {}),
      ...(failover ? { failover } : {}),
      ...(account
        ? { orders: account.orders, account: account.account, accounts: new Map(accounts.map((a) => [a.exchange.id, a.account])), dependencies: () => accounts.flatMap((a) => a.dependencies) }
        : {}),
    };
    let closed = false;
    return {
      components,
      account,
      accounts,
      region: region?.lease,
      spool,
      storage,
      async close() {
        if (closed) return;
        closed = true;
        await runCleanups();
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
