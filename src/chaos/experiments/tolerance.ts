/** Whether a probe value meets a tolerance (or stays inside an abort condition's limit). */
import type { Tolerance } from './experiment-schema.js';
import type { ProbeValue } from './activities.js';

export function withinTolerance(value: ProbeValue, tolerance: Tolerance): boolean {
  if (tolerance.equals !== undefined && value !== tolerance.equals) return false;
  if (tolerance.atLeast !== undefined && !(typeof value === 'number' && value >= tolerance.atLeast)) return false;
  if (tolerance.atMost !== undefined && !(typeof value === 'number' && value <= tolerance.atMost)) return false;
  return true;
}

/** The tolerance in words, for plans and reports: `>= 60`, `<= 0`, `= true`. */
export function describeTolerance(tolerance: Tolerance): string {
  const parts: string[] = [];
  if (tolerance.atLeast !== undefined) parts.push(`>= ${tolerance.atLeast}`);
  if (tolerance.atMost !== undefined) parts.push(`<= ${tolerance.atMost}`);
  if (tolerance.equals !== undefined) parts.push(`= ${String(tolerance.equals)}`);
  return parts.join(' and ');
}
