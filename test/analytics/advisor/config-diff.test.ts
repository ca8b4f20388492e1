/** The configuration diff of the recommended advice: keys old -> new, conflicts named, a YAML layer that parses. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configDiff, diffLines, diffYaml } from '../../../src/analytics/advisor/config-diff.js';
import type { Recommendation } from '../../../src/analytics/advisor/types.js';

function rec(id: string, status: Recommendation['status'], changes: Recommendation['changes']): Recommendation {
  const [rule, ...rest] = id.split(':');
  return { id, rule: rule as Recommendation['rule'], dependency: rest.join(':'), status, summary: '', evidence: {}, current: {}, changes };
}

describe('config diff', () => {
  const recommendations = [
    rec('timeout:a:orders', 'recommended', [{ key: 'policies.timeout.ms', option: 'timeout.ms', from: 10_000, to: 5_000 }]),
    rec('timeout:a:marketData', 'recommended', [{ key: 'policies.timeout.ms', option: 'timeout.ms', from: 10_000, to: 170 }]),
    rec('breaker:a:orders', 'recommended', [{ key: 'policies.breaker.failureRateThreshold', option: 'breaker.failureRateThreshold', from: 0.5, to: 0.25 }]),
    rec('retry:a:orders', 'recommended', [{ option: 'retry.retryBudget', from: null, to: { ratio: 0.2, minRetriesPerSecond: 1 } }]),
    rec('breaker:a:marketData', 'not-better', [{ key: 'policies.breaker.minimumCalls', option: 'breaker.minimumCalls', from: 20, to: 50 }]),
  ];

  it('lists each key once, the first recommendation winning and the other named', () => {
    const diff = configDiff(recommendations);
    expect(diffLines(diff)).toEqual(['policies.timeout.ms: 10000 -> 5000  (also asked: 170 by timeout:a:marketData)', 'policies.breaker.failureRateThreshold: 0.5 -> 0.25']);
    expect(diff.libraryOnly).toEqual([{ id: 'retry:a:orders', option: 'retry.retryBudget', to: { ratio: 0.2, minRetriesPerSecond: 1 } }]);
  });

  it('writes a YAML layer that parses to the new values, leaving out what is not recommended', () => {
    const yaml = diffYaml(configDiff(recommendations));
    expect(parse(yaml)).toEqual({ policies: { breaker: { failureRateThreshold: 0.25 }, timeout: { ms: 5_000 } } });
    expect(yaml).toMatch(/# was 10000: timeout:a:orders; also asked: 170 \(timeout:a:marketData\)/);
    expect(yaml).toMatch(/# retry:a:orders: retry\.retryBudget = .*a library option/);
    expect(parse(diffYaml(configDiff([])))).toBeNull();
  });
});
