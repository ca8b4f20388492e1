import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { observeAlerts } from '../../src/observe/alert-metrics.js';
import { AlertEngine } from '../../src/observe/alerts/engine.js';
import { registrySource } from '../../src/observe/alerts/source.js';
import { createMetrics } from '../../src/observe/metrics.js';

describe('observeAlerts', () => {
  it('counts firing alerts per severity at each scrape, every severity from 0, pending ones not', async () => {
    const clock = new ManualClock(1_000_000);
    const metrics = createMetrics({ defaultMetrics: false });
    const engine = new AlertEngine({ source: registrySource(metrics.registry), clock, intervalMs: 1_000 });
    engine.add({ name: 'dlq-deep', metric: 'bulwark_dlq_depth', condition: '>', threshold: 10, severity: 'critical' });
    engine.add({ name: 'dlq-any', metric: 'bulwark_dlq_depth', condition: '>', threshold: 0, forMs: 60_000, severity: 'warning' });
    const off = observeAlerts(metrics, engine);
    let text = await metrics.text();
    for (const severity of ['critical', 'warning', 'info']) expect(text).toContain(`bulwark_alerts_firing{severity="${severity}"} 0`);

    metrics.dlqDepth.set({ queue: 'orders' }, 50);
    await engine.evaluate();
    text = await metrics.text();
    expect(text).toContain('bulwark_alerts_firing{severity="critical"} 1');
    expect(text).toContain('bulwark_alerts_firing{severity="warning"} 0'); // still pending

    off();
    metrics.dlqDepth.set({ queue: 'orders' }, 0);
    await engine.evaluate();
    text = await metrics.text();
    // Unbound: the transition no longer resets the gauge and no scrape sets it again.
    expect(text).toContain('bulwark_alerts_firing{severity="critical"} 1');
  });
});
