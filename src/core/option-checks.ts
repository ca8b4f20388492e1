/**
 * Option validation shared across the toolkit: one helper and one wording per rule. Each throws
 * an error naming `component: option`, the rule and the value it got, e.g.
 * `bulkhead: maxQueue must be an integer >= 0 (or Infinity), got 1.5`. An empty `component`
 * leaves the prefix to the caller: a CLI flag, whose line the command prefixes.
 */

const named = (component: string, option: string): string => (component === '' ? option : `${component}: ${option}`);

/**
 * Throws a RangeError naming `component: option` unless `value` is a finite number within the bounds
 * (`min` -Infinity: no lower bound), or Infinity when allowed (a limit that is off).
 */
export function checkNumber(component: string, option: string, value: number, min: number, max = Infinity, minExclusive = false, allowInfinity = false): void {
  const ok = typeof value === 'number' && ((Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max) || (allowInfinity && value === Infinity));
  if (!ok) throw numberError(component, option, value, min, max, minExclusive, allowInfinity);
}

/** The error `checkNumber` throws, for a hot path that rejects a promise instead of throwing. */
export function numberError(component: string, option: string, value: unknown, min: number, max = Infinity, minExclusive = false, allowInfinity = false): RangeError {
  const bounds = [min === -Infinity ? '' : minExclusive ? `> ${min}` : `>= ${min}`, max === Infinity ? '' : `<= ${max}`].filter((b) => b !== '');
  const range = bounds.length === 0 ? '' : ` ${bounds.join(' and ')}`;
  return new RangeError(`${named(component, option)} must be a finite number${range}${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`);
}

/**
 * Throws a RangeError naming `component: option` unless `value` is an integer >= `min` and <= `max`
 * (or Infinity, when allowed).
 */
export function checkInteger(component: string, option: string, value: number, min: number, allowInfinity = false, max = Infinity): void {
  const ok = typeof value === 'number' && ((Number.isInteger(value) && value >= min && value <= max) || (allowInfinity && value === Infinity));
  if (!ok) throw integerError(component, option, value, min, allowInfinity, max);
}

/** The error `checkInteger` throws, for a hot path that rejects a promise instead of throwing. */
export function integerError(component: string, option: string, value: unknown, min: number, allowInfinity = false, max = Infinity): RangeError {
  const range = max === Infinity ? `>= ${min}` : `>= ${min} and <= ${max}`;
  return new RangeError(`${named(component, option)} must be an integer ${range}${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`);
}

/** Throws a RangeError naming `component: option` unless `value` is a positive integer: a cost, a count of units. */
export function checkCost(component: string, option: string, value: number): void {
  checkInteger(component, option, value, 1);
}

/** Throws a TypeError naming `component: option` unless `value` is a function (or undefined, when `optional`). */
export function checkFunction(component: string, option: string, value: unknown, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'function') throw new TypeError(`${named(component, option)} must be a function, got ${typeof value}`);
}

/** Throws a TypeError naming `component: option` unless `value` is a boolean. */
export function checkBoolean(component: string, option: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`${named(component, option)} must be a boolean, got ${typeof value}`);
}

/** Throws a TypeError naming `component: option` unless `value` is a string (empty allowed: a key prefix). */
export function checkString(component: string, option: string, value: unknown): void {
  if (typeof value !== 'string') throw new TypeError(`${named(component, option)} must be a string, got ${typeof value}`);
}

/**
 * Throws a TypeError naming `component: option` unless `value` is a non-empty string (with `trimmed`,
 * one with more than white space: a name or a reason a person reads).
 */
export function checkNonEmptyString(component: string, option: string, value: unknown, trimmed = false): asserts value is string {
  if (typeof value !== 'string' || (trimmed ? value.trim() : value) === '') throw new TypeError(`${named(component, option)} must be a non-empty string, got ${JSON.stringify(value) ?? typeof value}`);
}

/** Throws a TypeError naming `component: option` unless `value` is a Buffer of at least `minBytes` bytes (a key). Never echoes the value. */
export function checkKeyBuffer(component: string, option: string, value: unknown, minBytes: number): asserts value is Buffer {
  if (!Buffer.isBuffer(value) || value.length < minBytes) throw new TypeError(`${named(component, option)} must be a Buffer of at least ${minBytes} bytes, got ${Buffer.isBuffer(value) ? `${value.length} bytes` : typeof value}`);
}

/** Throws a TypeError naming `component: option` unless `value` is a non-null object; `hint` shows what it should hold. */
export function checkObject(component: string, option: string, value: unknown, hint?: string): asserts value is object {
  if (typeof value !== 'object' || value === null) throw new TypeError(`${named(component, option)} must be an object${hint === undefined ? '' : ` ${hint}`}, got ${String(value)}`);
}

/** Throws a RangeError naming `component: option` unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(component: string, option: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${named(component, option)} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
}

/**
 * Throws a TypeError naming `component: option` unless `value` is an object with the named
 * methods; `kind` says what it should be, e.g. `a RetryBudget`.
 */
export function checkShape(component: string, option: string, value: unknown, kind: string, methods: readonly string[]): void {
  const ok = typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (!ok) throw new TypeError(`${named(component, option)} must be ${kind} (with ${methods.map((m) => `${m}()`).join(' and ')})`);
}

/** Throws a TypeError naming `component: option` unless `value` is an absolute http(s) URL (a base URL, an endpoint). */
export function checkHttpUrl(component: string, option: string, value: unknown): asserts value is string {
  let ok = false;
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      ok = url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new TypeError(`${named(component, option)} must be an http(s) URL, got ${JSON.stringify(value) ?? typeof value}`);
}

/**
 * Throws a TypeError naming `component: option` unless `value` is an array of at least `minLength`
 * items; `hint` says what the items are, e.g. `of endpoint names`.
 */
export function checkArray(component: string, option: string, value: unknown, minLength = 0, hint = ''): asserts value is unknown[] {
  if (Array.isArray(value) && value.length >= minLength) return;
  const what = `an array${hint === '' ? '' : ` ${hint}`}${minLength > 0 ? ` with at least ${minLength} item${minLength === 1 ? '' : 's'}` : ''}`;
  throw new TypeError(`${named(component, option)} must be ${what}, got ${Array.isArray(value) ? `${value.length} items` : String(value)}`);
}

/** True when `value` is a time zone Intl knows: an IANA name such as `Europe/London`, or `UTC`. */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Throws a RangeError naming `component: option` unless `value` is a time zone Intl knows (an IANA name such as `Europe/London`, or `UTC`). */
export function checkTimeZone(component: string, option: string, value: unknown): asserts value is string {
  if (!isTimeZone(value)) throw new RangeError(`${named(component, option)} must be an IANA time zone such as 'Europe/London' or 'UTC', got ${JSON.stringify(value) ?? typeof value}`);
}
