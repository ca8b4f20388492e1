/**
 * The `security` section of the config: authentication, the audit log, stored secrets, TLS and
 * the HTTP limits. Each part is its own object so each area's keys are written once, here.
 */
import { z } from 'zod';
import { ROLE_NAME, roleIssues } from '../security/roles.js';
import { HH_MM, weekdays } from '../security/threat-rules.js';

/** The service key (`security.key` in the data directory unless given; BULWARK_SECURITY_KEY wins). */
const keyFile = z.string().min(1).optional();

// ── authentication: tokens, sessions, roles ────────────────────────────────────────────────

const roleSpec = z.union([
  z.array(z.string().min(1)).max(200),
  z.strictObject({ inherits: z.string().min(1).optional(), permissions: z.array(z.string().min(1)).max(200).optional() }),
]);

/**
 * `security.auth`: who may use the ops API. Defaults (AUTH_DEFAULTS in server/auth.ts): `enabled`
 * `auto` (on once any API token exists; demo mode makes one at start), metrics need a token,
 * loopback reads stay open. A host other than loopback needs `enabled: true`.
 */
export const authSection = z
  .strictObject({
    /** `true`: every request but /livez and /readyz needs a token or a session; `false`: open (loopback only); `auto`: on once a token exists. */
    enabled: z.union([z.boolean(), z.literal('auto')]).optional(),
    /** `/metrics` without credentials (a Prometheus that cannot send a bearer token). */
    openMetrics: z.boolean().optional(),
    /** On a loopback listener, GET/HEAD reads from loopback need no credentials (as principal `local`, viewer permissions). */
    loopbackReads: z.boolean().optional(),
    /** Custom roles: `name: [permissions]` or `name: { inherits: role, permissions: [...] }`; `area:*` names an area's permissions. */
    roles: z.record(z.string().regex(ROLE_NAME, 'a role name: 1-40 lower-case letters, digits, _ or -, starting with a letter'), roleSpec).optional(),
    /** A dashboard session ends after this long without a request (ms). */
    sessionIdleMs: z.number().int().positive().max(2 ** 31 - 1).optional(),
    /** A dashboard session ends this long after sign-in whatever its use (ms). */
    sessionMaxMs: z.number().int().positive().max(2 ** 31 - 1).optional(),
  })
  .superRefine((auth, ctx) => {
    for (const issue of roleIssues(auth.roles ?? {})) ctx.addIssue({ code: 'custom', path: ['roles', ...issue.path], message: issue.message });
  });

// ── audit log ──────────────────────────────────────────────────────────────────────────────

export const auditSection = z.strictObject({
  /** How often the head of the audit chain is signed (a checkpoint); 0 signs only at stop. Default in security/audit-log.ts. */
  checkpointEveryMs: z.number().int().min(0).optional(),
});

// ── stored secrets (envelope encryption) ───────────────────────────────────────────────────

export const secretsSection = z.strictObject({
  /** The key-encryption key (32 bytes, base64 or hex); default `<dataDir>/secrets.key`. BULWARK_SECRETS_KEY wins. */
  keyFile: z.string().min(1).optional(),
  /** Previous key-encryption keys, still read while `bulwark secrets rotate` runs (also BULWARK_SECRETS_PREVIOUS_KEYS). */
  previousKeyFiles: z.array(z.string().min(1)).optional(),
});

// ── TLS ────────────────────────────────────────────────────────────────────────────────────

/** Files are read at start and again when they change (src/server/tls-files.ts); HTTPS only when both are given. */
export const tlsSection = z
  .strictObject({
    /** PEM certificate chain the server presents. */
    certFile: z.string().min(1).optional(),
    /** PEM private key of that certificate. */
    keyFile: z.string().min(1).optional(),
    /** PEM CA bundle that client certificates must chain to. */
    caFile: z.string().min(1).optional(),
    /** Ask clients for a certificate and refuse the connection without one signed by caFile. */
    requestClientCert: z.boolean().optional(),
    /** How often the files are checked for a change (ms). */
    reloadCheckMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'give certFile and keyFile together', path: ['keyFile'] })
  .refine((t) => !t.requestClientCert || t.caFile !== undefined, { message: 'requestClientCert needs caFile (the CA that signs client certificates)', path: ['caFile'] })
  .refine((t) => t.caFile === undefined || t.certFile !== undefined, { message: 'caFile needs certFile and keyFile (client certificates only over TLS)', path: ['certFile'] });

// ── HTTP hardening: allowed hosts, rate limits, timeouts, caps ─────────────────────────────

/** Defaults live in src/server/http-hardening.ts (HTTP_HARDENING_DEFAULTS), each with its reason. */
export const httpSection = z.strictObject({
  /** Host header values accepted besides the bind host and localhost: `name` (any port) or `name:port`. */
  allowedHosts: z.array(z.string().trim().min(1).max(255)).max(100).optional(),
  /** State-changing requests (POST, PUT, PATCH, DELETE): per principal, and per source address. */
  rateLimit: z
    .strictObject({
      perPrincipal: z.strictObject({ burst: z.number().int().min(1), perSecond: z.number().positive() }).optional(),
      perSource: z.strictObject({ burst: z.number().int().min(1), perSecond: z.number().positive() }).optional(),
    })
    .optional(),
  /** Slow clients: header, whole-request, idle-socket and keep-alive timeouts (ms). */
  timeouts: z
    .strictObject({
      headersMs: z.number().int().min(100).optional(),
      requestMs: z.number().int().min(100).optional(),
      idleMs: z.number().int().min(100).optional(),
      keepAliveMs: z.number().int().min(100).optional(),
    })
    .refine((t) => t.headersMs === undefined || t.requestMs === undefined || t.headersMs <= t.requestMs, { message: 'headersMs must not exceed requestMs', path: ['headersMs'] })
    .optional(),
  /** Most alert rules the API accepts. */
  maxAlertRules: z.number().int().min(1).max(100_000).optional(),
});

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
  /** Files each holding a previous service key, still read to check backups signed before a rotation. */
  previousKeyFiles: z.array(z.string().min(1)).optional(),
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
