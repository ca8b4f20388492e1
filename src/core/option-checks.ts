/** Option validation shared across the toolkit: each throws an error naming `component: option` and the reason. */

/** Throws a RangeError naming `component: option` unless `value` is a finite number within the bounds. */
export function checkNumber(component: string, option: string, value: number, min: number, max = Infinity, minExclusive = false): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    const low = minExclusive ? `> ${min}` : `>= ${min}`;
    const range = max === Infinity ? low : `${low} and <= ${max}`;
    throw new RangeError(`${component}: ${option} must be a finite number ${range}, got ${String(value)}`);
  }
}

/** Throws a RangeError naming `component: option` unless `value` is an integer >= `min`. */
export function checkInteger(component: string, option: string, value: number, min: number): void {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= min)) {
    throw new RangeError(`${component}: ${option} must be an integer >= ${min}, got ${String(value)}`);
  }
}

/** Throws a TypeError naming `component: option` unless `value` is a function. */
export function checkFunction(component: string, option: string, value: unknown): void {
  if (typeof value !== 'function') throw new TypeError(`${component}: ${option} must be a function, got ${typeof value}`);
}
