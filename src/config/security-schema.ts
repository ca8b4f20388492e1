/**
 * The `security` section of the config: authentication, the audit log, stored secrets, TLS and
 * the HTTP limits. Each part is its own object so each area's keys are written once, here.
 */
import { z } from 'zod';

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
