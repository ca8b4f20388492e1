/**
 * The demo's exchange policies, as a configuration's `policies:` (kept beside its SLOs, slos.ts):
 * the exchange is built from them, the tuning advisor judges them, and a recommendation applied
 * from the dashboard changes them live (server/live-policies.ts), as in a configured service.
 */
import { CONFIG_DEFAULTS, type BulwarkConfig } from '../config/schema.js';

export const demoPolicies: BulwarkConfig['policies'] = {
  // Short enough to watch: the exchangeApi preset keeps a breaker open for minutes, the demo shows recovery within seconds.
  breaker: { ...CONFIG_DEFAULTS.policies.breaker, openMs: 6_000 },
  retry: { ...CONFIG_DEFAULTS.policies.retry },
  // The simulator answers in milliseconds; its slow-endpoint faults (2.5 s) then count as timeouts.
  timeout: { ms: 2_000 },
};

/** The whole configuration the demo's live policies are checked against: the defaults with the demo's policies. */
export const demoPolicyConfig: BulwarkConfig = { ...CONFIG_DEFAULTS, policies: demoPolicies };
