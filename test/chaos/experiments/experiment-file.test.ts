import { describe, expect, it } from 'vitest';
import { ExperimentFileError, parseExperiment } from '../../../src/chaos/experiments/experiment-file.js';

const good = `
title: Exchange maintenance window
tags: [exchange]
steadyStateHypothesis:
  title: no order is placed twice
  probes:
    - { name: no double order, probe: duplicate-orders, tolerance: { atMost: 0 }, weight: 2 }
method:
  - action: exchange-maintenance
    durationMs: 5000
    probes:
      - { name: gate not halted, probe: gate-mode, tolerance: { equals: true }, mode: continuous, intervalMs: 500 }
rollbacks:
  - action: exchange-clear-faults
`;

describe('experiment file', () => {
  it('reads a YAML experiment with its defaults filled in', () => {
    const e = parseExperiment(good, 'maintenance.yaml');
    expect(e.productionSafe).toBe(false);
    expect(e.steadyStateHypothesis.probes[0]).toMatchObject({ weight: 2, mode: 'end', withinMs: 0, args: {} });
    expect(e.method[0]).toMatchObject({ action: 'exchange-maintenance', durationMs: 5_000, probes: [{ mode: 'continuous', intervalMs: 500 }] });
    expect(e.rollbacks).toEqual([{ action: 'exchange-clear-faults', args: {} }]);
  });

  it('names the file (base name only), the key and the reason', () => {
    const bad = good.replace('durationMs: 5000', 'durationMs: -1');
    expect(() => parseExperiment(bad, '/some/where/maintenance.yaml')).toThrow(/^maintenance\.yaml: method\.0\.durationMs: .*>=0/);
    try {
      parseExperiment(bad, '/some/where/maintenance.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(ExperimentFileError);
      expect(error).toMatchObject({ file: 'maintenance.yaml', key: 'method.0.durationMs', code: 'EXPERIMENT_INVALID' });
      expect(String((error as Error).message)).not.toContain('/some/where');
    }
  });

  it('refuses unknown keys, empty tolerances and broken YAML', () => {
    expect(() => parseExperiment(good.replace('tags:', 'tagz:'), 'x.yaml')).toThrow(/^x\.yaml: \(root\): .*tagz/);
    expect(() => parseExperiment(good.replace('tolerance: { atMost: 0 }', 'tolerance: {}'), 'x.yaml')).toThrow('x.yaml: steadyStateHypothesis.probes.0.tolerance: needs atLeast, atMost or equals');
    expect(() => parseExperiment('title: [unclosed', 'x.yaml')).toThrow(/^x\.yaml: \(root\): not valid YAML/);
  });
});
