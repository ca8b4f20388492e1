import { describe, expect, it } from 'vitest';
import { demoDefaults } from '../../../src/demo/demo.js';
import { soakDefaults } from '../../../src/demo/soak/soak-defaults.js';

describe('soakDefaults', () => {
  it("run the demo's own fault cycle (written apart so `bulwark soak --help` need not load the demo)", () => {
    expect(soakDefaults.faultQuietMs).toBe(demoDefaults.faultQuietMs);
  });
});
