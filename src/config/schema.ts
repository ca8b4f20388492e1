/**
 * The shape of a Bulwark deployment's configuration, its defaults (written once, here) and the
 * zod schema that validates the merged layers.
 */
import { z } from 'zod';

const ms = z.number().finite().nonnegative();
const positiveMs = z.number().finite().positive();

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
      redisUrl: z.string().min(1).optional(),
    }),
    exchange: z.strictObject({
      id: z.string().min(1).optional(),
      apiKey: z.string().min(1).optional(),
      secret: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
    }),
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
      }),
      retry: z.strictObject({ maxAttempts: z.number().int().min(1).max(100) }),
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
    if (config.storage.kind === 'postgres' && !config.storage.postgresUrl) {
      ctx.addIssue({ code: 'custom', path: ['storage', 'postgresUrl'], message: 'required when storage.kind is "postgres"' });
    }
    if (config.features.liveTrading) {
      for (const key of ['apiKey', 'secret'] as const) {
        if (!config.exchange[key]) ctx.addIssue({ code: 'custom', path: ['exchange', key], message: 'required secret is missing: features.liveTrading is enabled' });
      }
    }
  });

export type BulwarkConfig = z.infer<typeof configSchema>;

/** Every default, in one place. Optional values (URLs, credentials) have none on purpose. */
export const CONFIG_DEFAULTS: BulwarkConfig = {
  env: 'development', // replaced by BULWARK_ENV when set
  dataDir: '.bulwark', // SQLite, backups and the journal live next to the process by default
  server: {
    host: '127.0.0.1', // safe default: not reachable from other machines until asked for
    port: 8080, // the usual ops-service port
  },
  log: { level: 'info' }, // state changes and errors, without per-call noise
  storage: { kind: 'sqlite' }, // zero setup; PostgreSQL for a fleet
  exchange: {}, // credentials come from the environment or a secret store, never a default
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
