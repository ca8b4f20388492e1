/**
 * The guardrail every chaos action asks first: chaos runs only where the configuration turns
 * `features.chaos` on (off by default, `CONFIG_DEFAULTS` in config/schema.ts).
 */

/** The part of a configuration the guardrail reads (a whole `BulwarkConfig` fits). */
export interface ChaosGuardConfig {
  readonly features: { readonly chaos: boolean };
}

/** Whether `config` lets chaos run: `features.chaos` is true. */
export function chaosAllowed(config: ChaosGuardConfig): boolean {
  return config.features.chaos === true;
}
