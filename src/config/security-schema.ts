/**
 * The `security` section of the config: authentication, the audit log, stored secrets, TLS and
 * the HTTP limits. Each part is its own object so each area's keys are written once, here.
 */
import { z } from 'zod';
import { ROLE_NAME, roleIssues } from '../security/roles.js';

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

export const secretsSection = z.strictObject({});

// ── TLS ────────────────────────────────────────────────────────────────────────────────────

export const tlsSection = z.strictObject({});

// ── HTTP hardening: allowed hosts, rate limits, timeouts, caps ─────────────────────────────

export const httpSection = z.strictObject({});

// ───────────────────────────────────────────────────────────────────────────────────────────

export const securitySchema = z.strictObject({
  keyFile,
  auth: authSection,
  audit: auditSection,
  secrets: secretsSection,
  tls: tlsSection,
  http: httpSection,
});

export type SecurityConfig = z.infer<typeof securitySchema>;

/** Each part's defaults are written next to the code that uses them; an empty part takes them all. */
export const SECURITY_CONFIG_DEFAULTS: SecurityConfig = {
  auth: {},
  audit: {},
  secrets: {},
  tls: {},
  http: {},
};
