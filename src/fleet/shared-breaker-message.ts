/** The change a shared breaker announces, as published and stored: `{ v, epoch, state, ms, from }`. */
export interface BreakerChange {
  /** Bumped by Redis on every announced change of this breaker: orders them fleet-wide. */
  epoch: number;
  state: 'open' | 'closed';
  /** Open: how long it stays open, in ms from the announcement. */
  ms: number;
  /** The instance that announced it. */
  from: string;
}

/** Reads a published or stored change; undefined for anything this version does not understand. */
export function parseBreakerChange(text: string): BreakerChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.v !== 1 || (v.state !== 'open' && v.state !== 'closed')) return undefined;
  if (typeof v.epoch !== 'number' || !Number.isInteger(v.epoch) || typeof v.ms !== 'number' || !(v.ms >= 0) || typeof v.from !== 'string') return undefined;
  return { epoch: v.epoch, state: v.state, ms: v.ms, from: v.from };
}
