/**
 * Named service presets: breaker settings and the degraded mode each kind of dependency falls
 * back to while its breaker is open. Every preset is overridable: `presetBreakerOptions(name, { openMs })`.
 */
import { type CircuitBreaker, type CircuitBreakerOptions, circuitBreaker } from '../policies/breaker/index.js';

export type ServicePresetName = 'exchangeApi' | 'database' | 'marketData' | 'decisionService';

export interface ServicePreset {
  /** Failures in a row that open the breaker. */
  failures: number;
  /** Trial calls that must all succeed, half-open, to close it again. */
  successes: number;
  /** How long the breaker stays open before trial calls. */
  openMs: number;
  /** What the system does while the breaker is open. */
  degrade: string;
}

export const servicePresets: Readonly<Record<ServicePresetName, Readonly<ServicePreset>>> = {
  // An exchange that fails 5 calls running is down or banning us; 5 min stops us hammering it.
  exchangeApi: { failures: 5, successes: 3, openMs: 5 * 60_000, degrade: 'no new orders; serve cached market data marked stale' },
  // A database recovers (failover, restart) within a minute; 3 failures is already a pattern.
  database: { failures: 3, successes: 2, openMs: 60_000, degrade: 'serve from the in-memory cache; queue writes' },
  // Feeds drop single messages often, so 8 failures; 2 min is a typical reconnect cycle.
  marketData: { failures: 8, successes: 4, openMs: 2 * 60_000, degrade: 'use the last known prices, marked stale' },
  // A decision (model) service is slow to warm up: tolerant to open, 3 min to come back.
  decisionService: { failures: 10, successes: 5, openMs: 3 * 60_000, degrade: 'HOLD: keep positions, place nothing new' },
};

function presetOf(name: ServicePresetName): ServicePreset {
  const preset = servicePresets[name];
  if (!preset) throw new RangeError(`presets: unknown preset "${String(name)}" (${Object.keys(servicePresets).join(', ')})`);
  return preset;
}

/** Circuit breaker options for a preset: a consecutive-failures window, `successes` trial calls, `openMs`. Overrides win. */
export function presetBreakerOptions(name: ServicePresetName, overrides: CircuitBreakerOptions = {}): CircuitBreakerOptions {
  const preset = presetOf(name);
  return {
    name,
    window: { kind: 'consecutive', failures: preset.failures },
    halfOpenCalls: preset.successes,
    openMs: preset.openMs,
    ...overrides,
  };
}

/** A circuit breaker configured from a preset. */
export function presetBreaker(name: ServicePresetName, overrides: CircuitBreakerOptions = {}): CircuitBreaker {
  return circuitBreaker(presetBreakerOptions(name, overrides));
}
