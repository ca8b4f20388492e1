/** Proposed figures are rounded so a config reads as chosen, not computed to the millisecond. */

/** `value` rounded up to two significant digits: 1234 -> 1300, 87.2 -> 88. */
export function ceilTwoDigits(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return value;
  const step = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.ceil(value / step - 1e-9) * step;
}

/** `value` rounded up to a multiple of `step` (0.05 -> thresholds like 0.35). */
export function ceilTo(value: number, step: number): number {
  return Math.round(Math.ceil(value / step - 1e-9) * step * 1e6) / 1e6;
}

/** A ratio as a percentage for messages: 0.0123 -> "1.23%". */
export function percent(ratio: number): string {
  return `${+(ratio * 100).toFixed(2)}%`;
}
