/**
 * The advisor as the ops service runs it: recommendations over a range (the latest kept, so an
 * operator applies what was shown), and applying one. A recommendation is applied live only
 * where a runtime update exists for every key it changes (a `RuntimeConfig` whose changes a
 * running component watches, named in `livePaths`); otherwise the answer says a restart with the
 * configuration diff is needed, and carries the diff.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { ConfigChange, RuntimeConfig } from '../../config/runtime.js';
import type { TuningAdvisor } from './advisor.js';
import { type ConfigDiff, configDiff, diffYaml } from './config-diff.js';
import type { AdviceReport, Recommendation } from './types.js';

export interface AdviceServiceOptions {
  advisor: Pick<TuningAdvisor, 'advise'>;
  /** Runtime updates of the configuration, and the keys a running component picks up live. */
  live?: { runtime: Pick<RuntimeConfig, 'update' | 'get'>; paths: readonly string[] };
  /** The range read when none is given (ms back from now). */
  defaultRangeMs?: number;
  clock?: Clock;
}

export const ADVICE_SERVICE_DEFAULTS = {
  defaultRangeMs: 7 * 86_400_000, // a week, as `bulwark tune`
};

export type AdviceWithDiff = AdviceReport & { configDiff: ConfigDiff };

export type ApplyOutcome =
  | { outcome: 'applied'; recommendation: Recommendation; changes: ConfigChange[] }
  | { outcome: 'unknown'; message: string }
  | { outcome: 'not-applicable'; message: string; recommendation: Recommendation }
  | { outcome: 'restart-needed'; message: string; recommendation: Recommendation; diff: string };

export interface AdviceService {
  recommendations(query?: { sinceMs?: number; untilMs?: number; dependency?: string }): Promise<AdviceWithDiff>;
  /** Applies the recommendation `id` of the latest report (made over the default range when none was asked for). */
  apply(id: string, meta: { actor: string; reason?: string }): Promise<ApplyOutcome>;
}

export function adviceService(options: AdviceServiceOptions): AdviceService {
  const clock = options.clock ?? systemClock;
  const rangeMs = options.defaultRangeMs ?? ADVICE_SERVICE_DEFAULTS.defaultRangeMs;
  let latest: AdviceWithDiff | undefined;
  const recommendations: AdviceService['recommendations'] = async (query = {}) => {
    const untilMs = query.untilMs ?? clock.now();
    const report = await options.advisor.advise({ sinceMs: query.sinceMs ?? untilMs - rangeMs, untilMs, ...(query.dependency ? { dependency: query.dependency } : {}) });
    latest = { ...report, configDiff: configDiff(report.recommendations) };
    return latest;
  };
  return {
    recommendations,
    async apply(id, meta) {
      const report = latest ?? (await recommendations());
      const recommendation = report.recommendations.find((r) => r.id === id);
      if (!recommendation) return { outcome: 'unknown', message: `no recommendation "${id}" in the latest advice (ids: ${report.recommendations.map((r) => r.id).join(', ') || 'none'})` };
      if (recommendation.status !== 'recommended') {
        return { outcome: 'not-applicable', recommendation, message: `"${id}" is not recommended (${recommendation.status}): only what the replay found better is applied` };
      }
      const diff = diffYaml(configDiff([recommendation]));
      const live = options.live;
      const notLive = recommendation.changes.filter((c) => !c.key || !live || !live.paths.includes(c.key));
      if (!live || notLive.length > 0) {
        const what = notLive.map((c) => c.key ?? `${c.option} (a library option)`).join(', ');
        return { outcome: 'restart-needed', recommendation, diff, message: `no runtime update exists for ${what}: merge the diff into the configuration and restart the service` };
      }
      const pending = recommendation.changes.filter((c) => !isDeepStrictEqual(live.runtime.get(c.key!), c.to));
      if (pending.length === 0) return { outcome: 'not-applicable', recommendation, message: `"${id}" is in force already (${recommendation.changes.map((c) => c.key).join(', ')})` };
      const changes = pending.map((c) => live.runtime.update(c.key!, c.to, { actor: meta.actor, ...(meta.reason ? { reason: meta.reason } : {}) }));
      return { outcome: 'applied', recommendation, changes };
    },
  };
}
