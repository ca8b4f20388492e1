/** Option validation shared by the adaptive limiters, the retry budget and exchange budgets. */

/** Throws a RangeError naming `component: option` unless `value` is a finite number within the bounds. */
export function checkNumber(component: string, option: string, value: number, min: number, max = Infinity, minExclusive = false): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    const low = minExclusive ? `> ${min}` : `>= ${min}`;
    const range = max === Infinity ? low : `${low} and <= ${max}`;
    throw new RangeError(`${component}: ${option} must be a finite number ${range}, got ${String(value)}`);
  }
}

/** Throws a TypeError naming `component: option` unless `value` is a function. */
export function checkFunction(component: string, option: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${component}: ${option} must be a function, got ${typeof value}`);
}
