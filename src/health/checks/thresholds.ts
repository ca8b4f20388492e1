import type { CheckOutcome } from '../types.js';

/** Up below `degradedAt`, degraded from it, down from `downAt`. */
export function byThreshold(value: number, degradedAt: number, downAt: number, what: string, unit: string): CheckOutcome {
  const details = { observedValue: value, observedUnit: unit, degradedAt, downAt };
  if (value >= downAt) return { status: 'down', message: `${what} ${format(value)} ${unit} >= ${format(downAt)}`, details };
  if (value >= degradedAt) return { status: 'degraded', message: `${what} ${format(value)} ${unit} >= ${format(degradedAt)}`, details };
  return { status: 'up', details };
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function checkThresholds(check: string, degradedAt: number, downAt: number): void {
  if (!(Number.isFinite(degradedAt) && Number.isFinite(downAt))) throw new RangeError(`${check}: thresholds must be finite numbers`);
  if (degradedAt > downAt) throw new RangeError(`${check}: the degraded threshold (${degradedAt}) must not exceed the down threshold (${downAt})`);
}
