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

const DURATION = /^(\d{1,9})([smhdw])$/;
const DURATION_UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `90m`, `2w`, `3600s` as milliseconds; undefined when `text` is not such a duration. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  return match ? Number(match[1]) * DURATION_UNIT_MS[match[2]!]! : undefined;
}

/** A commander argument parser for a flag that takes a duration greater than zero (`--expires 30d`). */
export function durationArgument(flag: string): (value: string) => number {
  return (value) => {
    const ms = durationMs(value);
    if (ms === undefined || ms === 0) throw new InvalidArgumentError(`${flag}: "${value}" is not a duration: a whole number greater than 0 and a unit (s, m, h, d, w), e.g. 30d`);
    return ms;
  };
}

/** `--since 24h`, `--since 2026-01-31`, `--since 1767225600000` as milliseconds since the epoch. */
export function parseTime(flag: string, value: string, now: number): number {
  const age = durationMs(value);
  if (age !== undefined) return now - age;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`${flag}: "${value}" is not a time (ISO 8601, milliseconds since the epoch, or an age such as 24h, 7d)`);
  return ms;
}
