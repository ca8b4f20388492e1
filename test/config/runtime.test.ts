import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { FeatureFlags } from '../../src/config/flags.js';
import { loadConfig } from '../../src/config/loader.js';
import { RuntimeConfig } from '../../src/config/runtime.js';
import { ManualClock } from '../../src/core/clock.js';

const base = () => loadConfig({ environment: {}, readFile: () => undefined }).config;

describe('RuntimeConfig', () => {
  it('changes a breaker threshold without a restart, records it and tells watchers', async () => {
    const clock = new ManualClock(1_000);
    const runtime = new RuntimeConfig(base(), { clock });
    const seen: unknown[] = [];
    const changes: unknown[] = [];
    runtime.watch('policies.breaker', (value) => seen.push(value));
    runtime.on('stateChange', (c) => changes.push(c));
    const change = runtime.update('policies.breaker.failureRateThreshold', 0.25, { actor: 'ops@desk', reason: 'exchange flapping' });
    expect(change).toEqual({ path: 'policies.breaker.failureRateThreshold', from: 0.5, to: 0.25, at: 1_000, actor: 'ops@desk', reason: 'exchange flapping' });
    expect(runtime.config.policies.breaker.failureRateThreshold).toBe(0.25);
    expect(seen).toEqual([{ failureRateThreshold: 0.25, minimumCalls: 20, openMs: 30_000 }]);
    expect(runtime.history()).toEqual([change]);
    expect(changes).toEqual([change]);
  });

  it('refuses invalid values and paths that need a restart, leaving the config unchanged', () => {
    const runtime = new RuntimeConfig(base());
    expect(() => runtime.update('policies.breaker.failureRateThreshold', 2)).toThrow(ConfigError);
    expect(() => runtime.update('policies.breaker.failureRateThreshold', 2)).toThrow(/policies\.breaker\.failureRateThreshold \(from runtime update\): Too big/);
    expect(() => runtime.update('server.port', 1)).toThrow(/cannot change at run time/);
    expect(runtime.config.policies.breaker.failureRateThreshold).toBe(0.5);
    expect(runtime.history()).toEqual([]);
  });

  it('feature flags: read at run time, and live trading cannot be enabled without credentials', () => {
    const runtime = new RuntimeConfig(base());
    const flags = new FeatureFlags(runtime);
    const heard: boolean[] = [];
    flags.onChange('chaos', (on) => heard.push(on));
    expect(flags.isEnabled('riskLimits')).toBe(true);
    flags.set('chaos', true, { actor: 'test' });
    expect(flags.isEnabled('chaos')).toBe(true);
    expect(heard).toEqual([true]);
    expect(() => flags.set('liveTrading', true)).toThrow(/exchange\.apiKey .*required secret is missing/);
    expect(flags.isEnabled('liveTrading')).toBe(false);
  });
});
