import type { HealthCheckDefinition, HealthStatus } from '../types.js';
import { checkFunction } from '../../core/option-checks.js';

export interface StaleFeedsCheckOptions {
  /** Names of the market-data feeds that are stale right now. */
  staleFeeds: () => readonly string[] | Promise<readonly string[]>;
  /** Status when any feed is stale. */
  staleStatus?: Extract<HealthStatus, 'degraded' | 'down'>;
  critical?: boolean;
}

export const STALE_FEEDS_CHECK_DEFAULTS = {
  staleStatus: 'degraded' as const, // the trading gate acts on stale feeds itself; health only reports
  critical: false, // a stale feed halts trading on that symbol, not the service
} as const;

export function staleFeedsCheck(options: StaleFeedsCheckOptions): HealthCheckDefinition {
  checkFunction('staleFeedsCheck', 'staleFeeds', options?.staleFeeds);
  const staleStatus = options.staleStatus ?? STALE_FEEDS_CHECK_DEFAULTS.staleStatus;
  return {
    name: 'feeds',
    group: 'trading',
    component: 'feeds',
    measurement: 'staleness',
    critical: options.critical ?? STALE_FEEDS_CHECK_DEFAULTS.critical,
    tags: ['trading'],
    check: async () => {
      const stale = await options.staleFeeds();
      if (stale.length === 0) return { status: 'up', details: { observedValue: 0 } };
      return { status: staleStatus, message: `stale feeds: ${stale.join(', ')}`, details: { observedValue: stale.length, stale: [...stale] } };
    },
  };
}
