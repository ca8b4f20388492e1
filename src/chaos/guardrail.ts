/**
 * The guardrail every chaos action asks first: chaos runs only where the configuration turns
 * `features.chaos` on (off by default, `CONFIG_DEFAULTS`).
 */
import type { BulwarkConfig } from '../config/schema.js';

/** Whether `config` lets chaos run: `features.chaos` is true. */
export function chaosAllowed(config: { readonly features: Pick<BulwarkConfig['features'], 'chaos'> }): boolean {
  return config.features.chaos === true;
}
