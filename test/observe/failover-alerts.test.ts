/** The failover alert rules: valid, over metrics of the vocabulary, and accepted by `promtool check rules` once exported. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPrometheusRules, toPromQL } from '../../src/observe/alerts/export.js';
import { parseAlertRule } from '../../src/observe/alerts/rule.js';
import { failoverAlertRules } from '../../src/observe/failover-alerts.js';
import { metricNames } from '../../src/observe/metrics.js';
import { probeTool, run } from '../support/prometheus.js';
import { requireService } from '../support/services.js';
import { tempDir } from '../storage/helpers.js';

const promtool = await requireService('promtool', () => probeTool('promtool'));

describe('failover alert rules', () => {
  it('fire on panic and on a group off its preferred priority, by group', () => {
    const rules = failoverAlertRules().map((r) => parseAlertRule(r));
    const vocabulary = new Set<string>(Object.values(metricNames));
    for (const rule of rules) expect(vocabulary.has(rule.metric), rule.name).toBe(true);
    expect(rules.map((r) => [r.name, toPromQL(r), r.severity])).toEqual([
      ['FailoverPanic', 'max by (group)(bulwark_failover_routing_mode{mode="panic"}) >= 1', 'critical'],
      ['FailoverNotPreferred', 'max by (group)(bulwark_failover_active_priority) > 0', 'warning'],
    ]);
  });

  it.skipIf(!promtool)('pass promtool check rules', async () => {
    const temp = tempDir('bulwark-failover-rules-');
    try {
      const file = join(temp.dir, 'failover.yml');
      await writeFile(file, toPrometheusRules(failoverAlertRules().map((r) => parseAlertRule(r)), 'failover'));
      const result = await run('promtool', ['check', 'rules', file]);
      expect(result.output).toContain('SUCCESS: 2 rules found');
      expect(result.code).toBe(0);
    } finally {
      temp.remove();
    }
  });
});
