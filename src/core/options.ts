/**
 * Merges options over defaults. An option given as `undefined` means "use the default" (a plain
 * spread would let it erase the default), so `{ random: options.random }` passes through safely.
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options?: O): D & O {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  if (options) {
    for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  }
  return merged as D & O;
}

/**
 * The waiting-room default shared by the bulkhead and the rate limiters, so `maxQueue` means the
 * same everywhere. 1 000 waiting calls absorb a burst from a busy process without letting a
 * backlog grow without bound (memory, and the latency every later caller inherits). Set
 * `maxQueue: 0` to shed load at once instead of queueing.
 */
export const QUEUE_DEFAULTS = {
  maxQueue: 1_000,
} as const;
