/**
 * The `security` section of the config: authentication, the audit log, stored secrets, TLS and
 * the HTTP limits. Each part is its own object so each area's keys are written once, here.
 */
import { z } from 'zod';
import { HH_MM, weekdays } from '../security/threat-rules.js';

/** The service key (`security.key` in the data directory unless given; BULWARK_SECURITY_KEY wins). */
const keyFile = z.string().min(1).optional();

// ── authentication: tokens, sessions, roles ────────────────────────────────────────────────

export const authSection = z.strictObject({});

// ── audit log ──────────────────────────────────────────────────────────────────────────────

export const auditSection = z.strictObject({
  /** How often the head of the audit chain is signed (a checkpoint); 0 signs only at stop. Default in security/audit-log.ts. */
  checkpointEveryMs: z.number().int().min(0).optional(),
});

// ── stored secrets (envelope encryption) ───────────────────────────────────────────────────

export const secretsSection = z.strictObject({});

// ── TLS ────────────────────────────────────────────────────────────────────────────────────

export const tlsSection = z.strictObject({});

// ── HTTP hardening: allowed hosts, rate limits, timeouts, caps ─────────────────────────────

export const httpSection = z.strictObject({});

// ── threat detection: lockout and detection rules ──────────────────────────────────────────

const ms = z.number().int().positive().max(2 ** 31 - 1);
const count = z.number().int().positive().max(1_000_000);
const enabled = z.boolean().optional();

/**
 * `security.threats`: the lockout of failing sources and the detection rules, each with `enabled`
 * and its thresholds. Defaults next to the code: THREATS_DEFAULTS (security/threats.ts),
 * LOCKOUT_DEFAULTS (lockout.ts), and each rule's own (threat-rules.ts, order-rate.ts, token-addresses.ts).
 */
export const threatsSection = z.strictObject({
  /** false: no lockout and no detection. */
  enabled,
  /** How long a finding keeps its alert firing (ms). */
  alertHoldMs: ms.optional(),
  /** Findings kept for GET /api/security/threats and the dashboard. */
  keepFindings: count.optional(),
  lockout: z
    .strictObject({
      enabled,
      freeAttempts: z.number().int().min(0).max(1_000).optional(),
      baseDelayMs: ms.optional(),
      maxDelayMs: ms.optional(),
      forgetAfterMs: ms.optional(),
      maxSources: count.optional(),
      bruteForceFailures: count.optional(),
      bruteForceWindowMs: ms.optional(),
    })
    .refine((l) => l.baseDelayMs === undefined || l.maxDelayMs === undefined || l.maxDelayMs >= l.baseDelayMs, { message: 'maxDelayMs must be >= baseDelayMs', path: ['maxDelayMs'] })
    .optional(),
  newTokenAddress: z.strictObject({ enabled, rememberMs: z.number().int().positive().optional(), reportFirstUse: z.boolean().optional() }).optional(),
  stateChangeBurst: z.strictObject({ enabled, maxChanges: count.optional(), windowMs: ms.optional() }).optional(),
  orderRate: z
    .strictObject({
      enabled,
      factor: z.number().gt(1).max(1_000).optional(),
      minPerMinute: count.optional(),
      alpha: z.number().gt(0).max(1).optional(),
      warmupMinutes: z.number().int().min(0).max(10_000).optional(),
    })
    .optional(),
  killSwitchRelease: z.strictObject({ enabled, withinMs: ms.optional() }).optional(),
  /** When configuration changes are expected, UTC; without it the change-window rule does not run. */
  changeWindow: z
    .strictObject({
      enabled,
      days: z.array(z.enum(weekdays)).min(1).max(7).optional(),
      from: z.string().regex(HH_MM, 'a time HH:MM (UTC)').optional(),
      to: z.string().regex(HH_MM, 'a time HH:MM (UTC, 24:00 for midnight)').optional(),
      tags: z.array(z.string().min(1).max(100)).min(1).max(20).optional(),
    })
    .optional(),
});

// ───────────────────────────────────────────────────────────────────────────────────────────

export const securitySchema = z.strictObject({
  keyFile,
  auth: authSection,
  audit: auditSection,
  secrets: secretsSection,
  tls: tlsSection,
  http: httpSection,
  threats: threatsSection,
});

export type SecurityConfig = z.infer<typeof securitySchema>;

/** Each part's defaults are written next to the code that uses them; an empty part takes them all. */
export const SECURITY_CONFIG_DEFAULTS: SecurityConfig = {
  auth: {},
  audit: {},
  secrets: {},
  tls: {},
  http: {},
  threats: {},
};
