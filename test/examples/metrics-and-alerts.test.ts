import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/metrics-and-alerts.js';
import { drive } from './drive.js';

describe('examples/metrics-and-alerts', () => {
  it('the breaker-open alert goes pending, fires after forMs, resolves when the breaker closes; one notification each', async () => {
    const clock = new ManualClock();
    const result = await drive(clock, main({ clock, log: () => {} }));
    expect(result.states).toEqual(['pending', 'firing', 'inactive']);
    expect(result.notifications).toEqual(['firing', 'resolved']);
  });

  it('prints the bound policies as Prometheus text and the rule as a Prometheus rule file', async () => {
    const clock = new ManualClock();
    const { text, rulesYaml } = await drive(clock, main({ clock, log: () => {} }));
    expect(text).toContain('bulwark_circuitbreaker_state{name="binance",state="open"} 1');
    expect(text).toContain('bulwark_circuitbreaker_calls_total{name="binance",kind="failed"} 3');
    expect(text).toContain('bulwark_retry_calls_total{name="binance-reads",kind="retry"} 2');
    expect(rulesYaml).toContain('alert: breaker-open');
    expect(rulesYaml).toContain('expr: max(bulwark_circuitbreaker_state{state="open"}) > 0');
    expect(rulesYaml).toContain('for: 2s');
    expect(rulesYaml).toContain('severity: critical');
  });
});
