import { describe, expect, it } from 'vitest';
import { DEMO_DEFAULTS } from '../../../src/demo/demo.js';
import { SOAK_DEFAULTS } from '../../../src/demo/soak/soak-defaults.js';

describe('SOAK_DEFAULTS', () => {
  it("run the demo's own fault cycle (written apart so `bulwark soak --help` need not load the demo)", () => {
    expect(SOAK_DEFAULTS.faultQuietMs).toBe(DEMO_DEFAULTS.faultQuietMs);
  });
});
