/**
 * Numeric command-line flags, checked with the toolkit's option wording (core/option-checks.ts):
 * `--port must be an integer >= 0 and <= 65535, got abc`. The error names the text typed.
 */
import { InvalidArgumentError } from 'commander';
import { integerError, numberError } from '../core/option-checks.js';

const toNumber = (value: string | number): number => (typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value));

/** `value` as an integer within the bounds, or `fallback` when the flag was not given. */
export function integerFlag<F extends number | undefined>(flag: string, value: string | number | undefined, fallback: F, min: number, max = Infinity): number | F {
  if (value === undefined) return fallback;
  const n = toNumber(value);
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw integerError('', `--${flag}`, value, min, false, max);
  return n;
}

/** `value` as a finite number >= `min` (> `min` when `minExclusive`), or undefined when the flag was not given. */
export function numberFlag(flag: string, value: string | number | undefined, min: number, minExclusive = false): number | undefined {
  if (value === undefined) return undefined;
  const n = toNumber(value);
  if (!(Number.isFinite(n) && (minExclusive ? n > min : n >= min))) throw numberError('', `--${flag}`, value, min, Infinity, minExclusive);
  return n;
}

/** A commander argument parser for a flag that takes a positive integer (`--limit <n>`). */
export function positiveIntegerArgument(flag: string): (value: string) => number {
  return (value) => {
    const n = toNumber(value);
    if (!(Number.isInteger(n) && n >= 1)) throw new InvalidArgumentError(integerError('', flag, value, 1).message);
    return n;
  };
}

/** A commander argument parser for a flag that takes a finite number > 0 (`--max-age-days <d>`). */
export function positiveNumberArgument(flag: string): (value: string) => number {
  return (value) => {
    const n = toNumber(value);
    if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(numberError('', flag, value, 0, Infinity, true).message);
    return n;
  };
}
