import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/loader.js';

const load = (yaml: string) => loadConfig({ environment: {}, readFile: (path) => (path.replace(/\\/g, '/') === 'config/default.yaml' ? yaml : undefined) });

function issuesOf(yaml: string): ConfigError['issues'] {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('slos', () => {
  it('is empty by default and reads availability and latency objectives', () => {
    expect(load('').config.slos).toEqual([]);
    const { config } = load(
      'slos:\n  - { name: orders-available, dependency: "binance:orders", kind: availability, objectivePercent: 99.9 }\n  - { name: orders-fast, dependency: "binance:orders", kind: latency, thresholdMs: 500, objectivePercent: 99, windowDays: 7 }\n',
    );
    expect(config.slos.map((s) => [s.name, s.kind, s.objectivePercent, s.thresholdMs, s.windowDays])).toEqual([
      ['orders-available', 'availability', 99.9, undefined, undefined],
      ['orders-fast', 'latency', 99, 500, 7],
    ]);
  });

  it('reads minimumCalls (unset: the evaluator\'s default; 0: any) and names the key of a bad one', () => {
    const slo = (extra: string) => `slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 99${extra} }\n`;
    expect(load(slo('')).config.slos[0]!.minimumCalls).toBeUndefined();
    expect(load(slo(', minimumCalls: 500')).config.slos[0]!.minimumCalls).toBe(500);
    expect(load(slo(', minimumCalls: 0')).config.slos[0]!.minimumCalls).toBe(0);
    const source = 'config/default.yaml';
    expect(issuesOf(slo(', minimumCalls: -1'))).toEqual([{ path: 'slos.0.minimumCalls', source, reason: 'must be 0 or more (0: no minimum)' }]);
    expect(issuesOf(slo(', minimumCalls: 2.5'))).toEqual([{ path: 'slos.0.minimumCalls', source, reason: 'must be a whole number of calls' }]);
    expect(issuesOf(slo(', minimumCalls: many'))).toEqual([{ path: 'slos.0.minimumCalls', source, reason: 'must be a number of calls' }]);
  });

  it('names the file, the key and the reason of each bad objective', () => {
    const source = 'config/default.yaml';
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: latency, objectivePercent: 99 }\n')).toEqual([{ path: 'slos.0.thresholdMs', source, reason: 'required when kind is "latency"' }]);
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 99, thresholdMs: 5 }\n')).toEqual([{ path: 'slos.0.thresholdMs', source, reason: 'only used when kind is "latency"' }]);
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 99 }\n  - { name: a, dependency: e, kind: availability, objectivePercent: 99 }\n')).toEqual([
      { path: 'slos.1.name', source, reason: '"a" names two SLOs; each needs its own name' },
    ]);
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 99, windowDays: 90 }\n')[0]).toMatchObject({ path: 'slos.0.windowDays', source });
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 100 }\n')[0]).toMatchObject({ path: 'slos.0.objectivePercent', source });
    expect(issuesOf('slos:\n  - { name: a, dependency: d, kind: availability, objectivePercent: 99, window: 7d }\n')[0]).toMatchObject({ path: 'slos.0.window', reason: 'unknown key (check the spelling)' });
  });
});
