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
