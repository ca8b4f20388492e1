/**
 * The shape of a Bulwark deployment's configuration, its defaults (written once, here) and the
 * zod schema that validates the merged layers.
 */
import { z } from 'zod';
import { MAX_COUNT_WINDOW } from '../policies/breaker/options.js';
import { bindRefusal } from './bind-address.js';
import { CHAOS_CONFIG_DEFAULTS, chaosSchema } from './chaos-schema.js';
import { SECURITY_CONFIG_DEFAULTS, securitySchema } from './security-schema.js';
import { SLO_CONFIG_DEFAULTS, checkSlos, slosSchema } from './slo-schema.js';
import { ANALYTICS_CONFIG_DEFAULTS, analyticsConfigSchema, checkAnalytics } from './analytics-schema.js';

/** The longest delay Node's timers accept (2^31-1 ms, about 24.8 days); a longer one fires at once with a warning. */
export const TIMER_MAX_MS = 2 ** 31 - 1;
const timerRange = `past Node's timer range: at most ${TIMER_MAX_MS} ms (about 24.8 days)`;
const ms = z.number().finite().nonnegative().max(TIMER_MAX_MS, timerRange);
const positiveMs = z.number().finite().positive().max(TIMER_MAX_MS, timerRange);

/** A breaker window as circuitBreaker takes it (policies/breaker/options.ts), with its limits. */
const breakerWindowSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('consecutive'), failures: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('count'), size: z.number().int().min(1).max(MAX_COUNT_WINDOW) }),
  z.strictObject({ kind: z.literal('time'), ms: positiveMs }),
]);

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), 'an http(s) URL');

/** One REST host of an exchange: its base URL, or the URL with a name, a priority and a weight. */
const endpointEntry = z.union([
  httpUrl,
  z.strictObject({
    /** Unique among the account's endpoints (history, metrics and the API name it); default: the URL's host. */
    name: z.string().regex(/^[\w.:@+-]{1,64}$/, '1-64 letters, digits or . _ : @ + -').optional(),
    url: httpUrl,
    /** 0 is preferred; higher levels take traffic as lower ones fail (strategy `priority`). */
    priority: z.number().int().min(0).optional(),
    /** Relative share among endpoints of the same priority. */
    weight: z.number().finite().positive().optional(),
  }),
]);

/** The name of a configured endpoint: its own, or its URL's host (with the port, when given). */
export function endpointNameOf(entry: z.infer<typeof endpointEntry>): string {
  return typeof entry === 'string' ? new URL(entry).host : (entry.name ?? new URL(entry.url).host);
}

/** A `postgres://` (or `postgresql://`) URL naming a host. */
function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** One exchange account: `exchange:`, or each entry of `exchanges:` (with its `name`). */
const accountFields = {
  /** The ccxt id, e.g. `binance`. */
  id: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  secret: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** A YAML or JSON file holding `apiKey`, `secret` (and `password`); values set here or in the environment win. */
  credentialsFile: z.string().min(1).optional(),
  /** The exchange's sandbox / testnet (ccxt `setSandboxMode`). */
  sandbox: z.boolean().optional(),
  /** A custom base URL for every API of the exchange, e.g. the simulator's `http://127.0.0.1:N`. */
  url: z.string().url().optional(),
  /**
   * The exchange's REST hosts (Binance: https://api1.binance.com ... https://api4.binance.com): each
   * request to its REST origin (ccxt's own, the sandbox's, or `url`'s) goes to one of them, picked by
   * a failover group (resilientExchange's `endpoints`); other hosts (Binance's futures) are called as they are.
   */
  endpoints: z.array(endpointEntry).min(1).optional(),
  /** How calls are spread over `endpoints` (the failover group's strategy); default `priority`. */
  endpointStrategy: z.enum(['priority', 'p2c', 'roundRobin', 'weighted']).optional(),
  /** Symbols whose orders the service follows and reconciles, e.g. `BTC/USDT`. */
  symbols: z.array(z.string().min(1)).min(1).optional(),
  /** When the gate halts, the service cancels the account's open orders itself (even when the bots are gone). */
  cancelOpenOrdersOnHalt: z.boolean().optional(),
};

export const configSchema = z
  .strictObject({
    env: z.string().min(1),
    dataDir: z.string().min(1),
    server: z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(0).max(65_535),
    }),
    log: z.strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    }),
    storage: z.strictObject({
      kind: z.enum(['sqlite', 'postgres']),
      postgresUrl: z.string().min(1).optional(),
      /** PostgreSQL schema for every table (created if missing); default `public`. */
      postgresSchema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a PostgreSQL identifier: letters, digits and "_", not starting with a digit, at most 63').optional(),
      /**
       * The PostgreSQL cluster's other hosts (hot standbys), as `postgres://` URLs: stale-tolerant reads
       * (dashboard lists, audit export, order history) go to one within postgresMaxReplicaLagMs, and
       * any of them, or postgresUrl, may be the primary (the service writes to the one not in recovery).
       */
      postgresReplicaUrls: z.array(z.string().min(1).refine(isPostgresUrl, 'a postgres:// URL with a host (the host names the replica in the API)')).min(1).optional(),
      /** A replica further behind than this answers no reads (the primary does); default REPLICATED_POSTGRES_DEFAULTS.maxReplicaLagMs. */
      postgresMaxReplicaLagMs: ms.optional(),
      redisUrl: z.string().min(1).optional(),
      /** SQLite's durability (WAL): FULL (default) survives a power cut; NORMAL only a process crash, and is faster. */
      sqliteSynchronous: z.enum(['FULL', 'NORMAL']).optional(),
      /** Prepended to every Redis key this deployment writes. */
      redisPrefix: z.string().min(1),
    }),
    exchange: z.strictObject(accountFields),
    /** Several accounts, each named (its id in the journal, the API and the fleet); instead of `exchange`. */
    exchanges: z.array(z.strictObject({ ...accountFields, name: z.string().regex(/^[\w.:@+-]{1,64}$/, '1-64 letters, digits or . _ : @ + -'), id: z.string().min(1) })).min(1).optional(),
    /** The fleet over `storage.redisUrl`; each unset key takes the library's default (joinFleet, leaderElection). */
    fleet: z.strictObject({
      /** The service's own id among the fleet's instances (it joins its fleet); default `service-<host name>`. */
      instance: z.string().regex(/^[A-Za-z0-9._:@+-]{1,100}$/, '1-100 letters, digits or . _ : @ + -').optional(),
      /** How long the leader's lease lasts without renewal: a dead leader's duties wait at most leaseMs + renewMs. */
      leaseMs: positiveMs.optional(),
      /** How often the leader renews its lease and the others ask for it; less than leaseMs. */
      renewMs: positiveMs.optional(),
      /** A member that cannot reach Redis this long falls to `reducing` by itself (fail safe for new exposure). */
      maxDisconnectedMs: positiveMs.optional(),
    }),
    /**
     * Two deployments ("regions") in active-passive: the one holding the lease (a row in the shared
     * PostgreSQL) trades, the other's gate stays reducing. Absent: this deployment trades alone.
     */
    region: z
      .strictObject({
        /** This region's name: the lease's holder while it trades. */
        name: z.string().regex(/^[\w.:@+-]{1,64}$/, '1-64 letters, digits or . _ : @ + -'),
        /** The lease (each unset key takes REGION_LEASE_DEFAULTS, src/failover/region-lease-options.ts). */
        lease: z
          .strictObject({
            /** The lease's name: regions contending for the same name elect one that trades. */
            name: z.string().regex(/^[\w.:@+-]{1,64}$/, '1-64 letters, digits or . _ : @ + -').optional(),
            /** How long a lease lasts without renewal, on the database's clock: the longest a dead region blocks the other. */
            ttlMs: positiveMs.int().optional(),
            /** How often the holder renews and the other asks. */
            renewMs: positiveMs.int().optional(),
            /** The holder stops new exposure this long before its lease could end. */
            safetyMarginMs: ms.int().optional(),
            /** A request to the database not answered within this long is abandoned. */
            requestTimeoutMs: positiveMs.int().optional(),
            /** After a release this region does not contend for this long. */
            holdOffMs: ms.int().optional(),
            /** How long past each read the region's bots (`bulwark bot`) may trade on the lease; a switchover waits at most this long. 0: no bots trade. */
            followGrantMs: ms.int().optional(),
          })
          .optional(),
      })
      .optional(),
    /** Scheduled backups of the service's data (`<dataDir>/backups`); none unless `everyMs` is set. */
    backup: z.strictObject({
      /** A backup every this many ms (e.g. 3600000: hourly); with Redis, one ops service of the deployment takes them (duty `backups`). */
      everyMs: positiveMs.optional(),
      /** After each scheduled backup, keep the newest N complete backups ... */
      keepLast: z.number().int().min(1).optional(),
      /** ... and those younger than this (ms); either rule keeps a backup. */
      maxAgeMs: positiveMs.optional(),
    }),
    /** Authentication, roles, the audit log, stored secrets, TLS and HTTP limits (config/security-schema.ts). */
    security: securitySchema,
    /** Fault injection when `features.chaos` is on (config/chaos-schema.ts). */
    chaos: chaosSchema,
    /** Service level objectives over the analytics recording (config/slo-schema.ts). */
    slos: slosSchema,
    /** The analytics' anomaly detector (config/analytics-schema.ts). */
    analytics: analyticsConfigSchema,
    features: z.strictObject({
      liveTrading: z.boolean(),
      chaos: z.boolean(),
      riskLimits: z.boolean(),
    }),
    policies: z.strictObject({
      breaker: z.strictObject({
        failureRateThreshold: z.number().gt(0).max(1),
        minimumCalls: z.number().int().min(1),
        openMs: positiveMs,
        /** Which calls the exchange's breakers judge; unset: the exchangeApi preset's (5 failures in a row), under which the two thresholds above are not used. */
        window: breakerWindowSchema.optional(),
      }),
      retry: z.strictObject({
        maxAttempts: z.number().int().min(1).max(100),
        /** The exchange's shared retry budget; unset: the retry budget's defaults (20% of requests plus 10/s). */
        budget: z.strictObject({ ratio: z.number().min(0).max(1), minRetriesPerSecond: z.number().finite().min(0) }).optional(),
      }),
      timeout: z.strictObject({ ms: positiveMs }),
    }),
    health: z.strictObject({
      intervalMs: positiveMs,
      timeoutMs: positiveMs,
      weights: z.record(z.string(), z.number().finite().min(0)),
    }),
    shutdown: z.strictObject({
      readyDelayMs: ms,
      drainTimeoutMs: ms,
      hookTimeoutMs: ms,
    }),
  })
  .superRefine((config, ctx) => {
    // `because` names the key that makes a rule apply: a missing value is blamed on the layer that set it.
    if (config.storage.kind === 'postgres' && !config.storage.postgresUrl) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'postgresUrl'], message: 'required when storage.kind is "postgres"', params: { because: 'storage.kind' } });
    }
    if (config.storage.sqliteSynchronous !== undefined && config.storage.kind !== 'sqlite') {
      ctx.addIssue({ code: 'custom', path: ['storage', 'sqliteSynchronous'], message: 'only used when storage.kind is "sqlite"' });
    }
    if (config.storage.postgresSchema !== undefined && config.storage.kind !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: ['storage', 'postgresSchema'], message: 'only used when storage.kind is "postgres"' });
    }
    const replicas = config.storage.postgresReplicaUrls;
    if (replicas !== undefined && config.storage.kind !== 'postgres') {
      ctx.addIssue({ code: 'custom', path: ['storage', 'postgresReplicaUrls'], message: 'only used when storage.kind is "postgres"' });
    }
    if (config.storage.postgresMaxReplicaLagMs !== undefined && replicas === undefined) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'postgresMaxReplicaLagMs'], message: 'only used with storage.postgresReplicaUrls (the replicas it limits)' });
    }
    (replicas ?? []).forEach((url, i) => {
      // Positions, not URLs, in the message: a URL may hold a password.
      if (url === config.storage.postgresUrl) ctx.addIssue({ code: 'custom', path: ['storage', 'postgresReplicaUrls', i], message: 'is storage.postgresUrl again: list the other hosts' });
      else if (replicas?.indexOf(url) !== i) ctx.addIssue({ code: 'custom', path: ['storage', 'postgresReplicaUrls', i], message: `repeats storage.postgresReplicaUrls.${replicas?.indexOf(url)}: each host once` });
    });
    if (config.exchanges && Object.keys(config.exchange).length > 0) {
      ctx.addIssue({ code: 'custom', path: ['exchanges'], message: 'give exchange (one account) or exchanges (several, each named), not both' });
    }
    const seen = new Set<string>();
    (config.exchanges ?? []).forEach((account, i) => {
      if (seen.has(account.name)) ctx.addIssue({ code: 'custom', path: ['exchanges', i, 'name'], message: `"${account.name}" names two accounts; each needs its own name` });
      seen.add(account.name);
      checkAccount(account, ['exchanges', i], config.features.liveTrading, ctx);
    });
    if (!config.exchanges) checkAccount(config.exchange, ['exchange'], config.features.liveTrading, ctx);
    const { leaseMs, renewMs } = config.fleet;
    if (leaseMs !== undefined && renewMs !== undefined && renewMs >= leaseMs) {
      ctx.addIssue({ code: 'custom', path: ['fleet', 'renewMs'], message: `must be less than fleet.leaseMs (${leaseMs}): a leader renews several times per lease` });
    }
    if (Object.keys(config.fleet).length > 0 && !config.storage.redisUrl) {
      ctx.addIssue({ code: 'custom', path: ['fleet'], message: 'needs storage.redisUrl: a fleet meets over Redis' });
    }
    if (config.region) checkRegion(config.region, config.storage.kind, ctx);
    const { everyMs, keepLast, maxAgeMs: keepAge } = config.backup;
    if (everyMs === undefined && (keepLast !== undefined || keepAge !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['backup', keepLast !== undefined ? 'keepLast' : 'maxAgeMs'], message: 'only used with backup.everyMs (the retention of scheduled backups)' });
    }
    const names = new Set<string>();
    (config.chaos.proxies ?? []).forEach((proxy, i) => {
      if (names.has(proxy.name)) ctx.addIssue({ code: 'custom', path: ['chaos', 'proxies', i, 'name'], message: `"${proxy.name}" names two proxies; each needs its own name` });
      names.add(proxy.name);
    });
    if (config.chaos.proxies && config.chaos.proxies.length > 0 && !config.features.chaos) {
      ctx.addIssue({ code: 'custom', path: ['chaos', 'proxies'], message: 'only used when features.chaos is on' });
    }
    checkSlos(config.slos, ctx);
    checkAnalytics(config.analytics, ctx);
    const refusal = bindRefusal(config.server.host, config.security.auth.enabled === true);
    if (refusal) ctx.addIssue({ code: 'custom', path: ['server', 'host'], message: refusal, params: { because: 'security.auth.enabled' } });
  });

export type BulwarkConfig = z.infer<typeof configSchema>;

/** An account's settings (`exchange`, or an entry of `exchanges` without its name). */
export type AccountConfig = BulwarkConfig['exchange'];

/** The region lease's rules: it lives in the PostgreSQL the regions share, and its times must fit each other (as regionLease checks them). */
function checkRegion(region: NonNullable<BulwarkConfig['region']>, storageKind: string, ctx: z.RefinementCtx): void {
  if (storageKind !== 'postgres') {
    ctx.addIssue({ code: 'custom', path: ['region'], message: 'needs storage.kind "postgres": the regions share the lease in one PostgreSQL database', params: { because: 'storage.kind' } });
  }
  // The library's defaults for the keys left unset (REGION_LEASE_DEFAULTS).
  const { ttlMs = 10_000, renewMs = 2_000, safetyMarginMs = 1_000, followGrantMs = 4_000 } = region.lease ?? {};
  if (safetyMarginMs >= ttlMs) {
    ctx.addIssue({ code: 'custom', path: ['region', 'lease', 'safetyMarginMs'], message: `must be less than region.lease.ttlMs (${ttlMs})` });
  } else if (renewMs >= ttlMs - safetyMarginMs) {
    ctx.addIssue({ code: 'custom', path: ['region', 'lease', 'renewMs'], message: `must be less than region.lease.ttlMs - safetyMarginMs (${ttlMs - safetyMarginMs}): the holder renews within its right to trade` });
  } else if (followGrantMs !== 0 && followGrantMs <= renewMs + safetyMarginMs) {
    ctx.addIssue({ code: 'custom', path: ['region', 'lease', 'followGrantMs'], message: `must be 0 (no bots trade) or more than region.lease.renewMs + safetyMarginMs (${renewMs + safetyMarginMs}): a bot reads the lease every renewMs` });
  }
}

/** The rules of one account; `path` is where it sits (`exchange`, or `exchanges.N`). */
function checkAccount(account: AccountConfig, path: Array<string | number>, liveTrading: boolean, ctx: z.RefinementCtx): void {
  const at = path.map(String).join('.');
  if (liveTrading && !account.credentialsFile) {
    for (const key of ['apiKey', 'secret'] as const) {
      if (!account[key]) ctx.addIssue({ code: 'custom', path: [...path, key], message: 'required secret is missing: features.liveTrading is enabled', params: { because: 'features.liveTrading' } });
    }
  }
  const { id, ...settings } = account;
  if (!id) {
    for (const key of Object.keys(settings).filter((k) => ['credentialsFile', 'sandbox', 'url', 'endpoints', 'endpointStrategy', 'symbols', 'cancelOpenOrdersOnHalt'].includes(k))) {
      ctx.addIssue({ code: 'custom', path: [...path, key], message: `needs ${at}.id (the ccxt id of the account's exchange)` });
    }
  }
  if (account.cancelOpenOrdersOnHalt && !account.credentialsFile && !(account.apiKey && account.secret)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'cancelOpenOrdersOnHalt'], message: `cancelling orders needs the account's credentials: ${at}.apiKey and ${at}.secret, or ${at}.credentialsFile` });
  }
  if (account.sandbox && account.url) {
    ctx.addIssue({ code: 'custom', path: [...path, 'url'], message: `give ${at}.url or ${at}.sandbox, not both` });
  }
  checkEndpoints(account, path, ctx);
}

/** An account's endpoints: unique names; a strategy only with them. */
function checkEndpoints(account: AccountConfig, path: Array<string | number>, ctx: z.RefinementCtx): void {
  const at = path.map(String).join('.');
  if (!account.endpoints) {
    if (account.endpointStrategy !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'endpointStrategy'], message: `only used with ${at}.endpoints` });
    return;
  }
  const seen = new Map<string, number>();
  account.endpoints.forEach((entry, i) => {
    const name = endpointNameOf(entry);
    const first = seen.get(name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [...path, 'endpoints', i], message: `"${name}" names ${at}.endpoints.${first} too; each endpoint needs its own name` });
    else seen.set(name, i);
  });
}

/** Every default, in one place. Optional values (URLs, credentials) have none on purpose. */
export const CONFIG_DEFAULTS: BulwarkConfig = {
  env: 'development', // replaced by BULWARK_ENV when set
  dataDir: '.bulwark', // SQLite, backups and the journal live next to the process by default
  server: {
    host: '127.0.0.1', // safe default: not reachable from other machines until asked for
    port: 8080, // the usual ops-service port
  },
  log: { level: 'info' }, // state changes and errors, without per-call noise
  storage: {
    kind: 'sqlite', // zero setup; PostgreSQL for a fleet
    redisPrefix: 'bulwark:', // one namespace per deployment; give each deployment sharing a Redis its own
  },
  exchange: {}, // credentials come from the environment or a secret store, never a default
  backup: {}, // no schedule unless asked: where backups go and how many to keep is the operator's call
  fleet: {}, // the library's own defaults (JOIN_FLEET_DEFAULTS, LEADER_ELECTION_DEFAULTS), not written twice
  security: SECURITY_CONFIG_DEFAULTS, // each part's defaults live with its code (security/)
  chaos: CHAOS_CONFIG_DEFAULTS, // written with its schema (config/chaos-schema.ts)
  slos: SLO_CONFIG_DEFAULTS, // written with its schema (config/slo-schema.ts)
  analytics: ANALYTICS_CONFIG_DEFAULTS, // written with its schema (config/analytics-schema.ts)
  features: {
    liveTrading: false, // real orders only when someone turns them on explicitly
    chaos: false, // fault injection off unless an experiment is running
    riskLimits: true, // risk limits enforced unless someone turns them off explicitly
  },
  policies: {
    breaker: {
      failureRateThreshold: 0.5, // the circuitBreaker default
      minimumCalls: 20, // the circuitBreaker default: too few calls say nothing about a rate
      openMs: 30_000, // the circuitBreaker default
    },
    retry: { maxAttempts: 3 }, // the retry default: the first try and two more
    timeout: { ms: 10_000 }, // exchanges' REST calls rarely take longer when healthy
  },
  health: {
    intervalMs: 15_000, // fresher than a typical 30 s probe period
    timeoutMs: 5_000, // the registry default
    weights: { resilience: 0.4, system: 0.3, services: 0.2, trading: 0.1 }, // the score defaults
  },
  shutdown: {
    readyDelayMs: 5_000, // the shutdown default
    drainTimeoutMs: 30_000, // the shutdown default
    hookTimeoutMs: 10_000, // the shutdown default
  },
};
