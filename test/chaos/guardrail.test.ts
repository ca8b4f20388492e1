/** The guardrail: chaos only where the configuration turns features.chaos on. */
import { describe, expect, it } from 'vitest';
import { chaosAllowed } from '../../src/chaos/index.js';
import { CONFIG_DEFAULTS } from '../../src/config/schema.js';

describe('chaosAllowed', () => {
  it('is false for the default configuration and true once features.chaos is on', () => {
    expect(chaosAllowed(CONFIG_DEFAULTS)).toBe(false);
    expect(chaosAllowed({ ...CONFIG_DEFAULTS, features: { ...CONFIG_DEFAULTS.features, chaos: true } })).toBe(true);
  });
});
