/**
 * A breaker's state as plain JSON: `snapshot()` writes it, `initialState` reads it back, so a
 * breaker can survive a restart or be handed to another process. Versioned so a later format can
 * still read this one.
 */
import { type CircuitStateName, stateNames } from './state-machine.js';
import type { WindowSnapshot } from './windows/window.js';

export const SNAPSHOT_VERSION = 1;

export interface CircuitBreakerSnapshot {
  version: typeof SNAPSHOT_VERSION;
  /**
   * The state when taken. A half-open breaker is restored half-open with no trial running; an
   * isolated one is restored isolated, and since no isolation handle survives, only `reset()`
   * releases it.
   */
  state: CircuitStateName;
  /** Clock time (ms) the state began. */
  since: number;
  /** Open only: clock time (ms) the breaker lets a trial through; null otherwise. */
  openUntil: number | null;
  /** Opens in a row since the last full close: how far the `openMs` backoff has grown. */
  opens: number;
  /** Calls rejected since the breaker was made or reset. */
  notPermitted: number;
  /** Timed calls since the breaker was made or reset (absent in older snapshots: 0). */
  timedCalls?: number;
  /** Their summed duration in ms (absent in older snapshots: 0). */
  totalDurationMs?: number;
  /** The calls the window held. */
  window: WindowSnapshot;
}

const states: readonly string[] = stateNames;

function fail(path: string, expected: string, value: unknown): never {
  throw new TypeError(`circuitBreaker: initialState${path} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number', value);
  return value;
}

function nonNegative(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(path, 'a finite number >= 0', value);
  return value;
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(path, 'an integer >= 0', value);
  return value;
}

function counts(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) fail(path, 'an array of counts', value);
  return value.map((v, i) => count(v, `${path}[${i}]`));
}

function parseWindow(value: unknown): WindowSnapshot {
  if (typeof value !== 'object' || value === null) fail('.window', 'an object', value);
  const w = value as Record<string, unknown>;
  switch (w.kind) {
    case 'consecutive':
      return {
        kind: 'consecutive',
        calls: count(w.calls, '.window.calls'),
        failures: count(w.failures, '.window.failures'),
        slowCalls: count(w.slowCalls, '.window.slowCalls'),
        consecutiveFailures: count(w.consecutiveFailures, '.window.consecutiveFailures'),
        consecutiveSlowCalls: count(w.consecutiveSlowCalls, '.window.consecutiveSlowCalls'),
      };
    case 'count':
      if (typeof w.outcomes !== 'string' || !/^[0-3]*$/.test(w.outcomes)) fail('.window.outcomes', 'a string of digits 0-3', w.outcomes);
      return { kind: 'count', outcomes: w.outcomes };
    case 'time':
      return {
        kind: 'time',
        ms: finite(w.ms, '.window.ms'),
        epoch: finite(w.epoch, '.window.epoch'),
        calls: counts(w.calls, '.window.calls'),
        failures: counts(w.failures, '.window.failures'),
        slowCalls: counts(w.slowCalls, '.window.slowCalls'),
      };
    default:
      return fail('.window.kind', "'consecutive', 'count' or 'time'", w.kind);
  }
}

/** Checks that `value` is a snapshot this version can load; a clear TypeError names the bad field. */
export function parseSnapshot(value: unknown): CircuitBreakerSnapshot {
  if (typeof value !== 'object' || value === null) fail('', 'a snapshot object', value);
  const s = value as Record<string, unknown>;
  if (s.version !== SNAPSHOT_VERSION) fail('.version', `${SNAPSHOT_VERSION}`, s.version);
  if (typeof s.state !== 'string' || !states.includes(s.state)) fail('.state', `one of ${stateNames.map((n) => `'${n}'`).join(', ')}`, s.state);
  const state = s.state as CircuitStateName;
  const openUntil = s.openUntil === null || s.openUntil === undefined ? null : finite(s.openUntil, '.openUntil');
  if (state === 'open' && openUntil === null) fail('.openUntil', 'a time when the state is open', s.openUntil);
  return {
    version: SNAPSHOT_VERSION,
    state,
    since: finite(s.since, '.since'),
    openUntil: state === 'open' ? openUntil : null,
    opens: count(s.opens, '.opens'),
    notPermitted: count(s.notPermitted, '.notPermitted'),
    timedCalls: s.timedCalls === undefined ? 0 : count(s.timedCalls, '.timedCalls'),
    totalDurationMs: s.totalDurationMs === undefined ? 0 : nonNegative(s.totalDurationMs, '.totalDurationMs'),
    window: parseWindow(s.window),
  };
}
