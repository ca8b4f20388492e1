/**
 * Deprecated names kept working until 1.0: an option read under its old name, and a one-time
 * `DeprecationWarning` (Node's own kind, so `--no-deprecation` and `--throw-deprecation` apply).
 *
 * Giving an option under both names with different values is an error naming both: neither
 * can be silently preferred without surprising the caller who wrote the other.
 */

const warned = new Set<string>();

/**
 * Emits a `DeprecationWarning` once per process for `code` (e.g. `BULWARK_DEP_QUEUE_TIMEOUT_MS`),
 * whatever the number of calls, so a deprecated name used on a hot path costs one set lookup.
 */
export function warnDeprecated(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  process.emitWarning(message, { type: 'DeprecationWarning', code });
}

/**
 * Reads option `current` of `options`, falling back to its deprecated name `old` (warning once
 * under `code`). Throws a TypeError naming both when both are given with different values.
 */
export function deprecatedOption<T>(component: string, options: object | undefined, current: string, old: string, code: string): T | undefined {
  if (options === undefined || options === null) return undefined;
  const record = options as Record<string, unknown>;
  const value = record[current] as T | undefined;
  const oldValue = record[old] as T | undefined;
  if (oldValue === undefined) return value;
  if (value !== undefined && !Object.is(value, oldValue)) {
    throw new TypeError(`${component}: ${old} (deprecated) and ${current} are the same option; give only ${current} (got ${String(oldValue)} and ${String(value)})`);
  }
  warnDeprecated(code, `${component}: option ${old} is deprecated and will be removed at 1.0; use ${current}`);
  return oldValue;
}
