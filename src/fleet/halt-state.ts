/**
 * The fleet-wide halt, kept under the halt key while it holds: an instance that joins (or
 * rejoins) while the fleet is halted reads it and halts before it trades. Commands carry every
 * change after that.
 */

export interface HaltState {
  reason: string;
  /** Who halted the fleet. */
  by: string;
  /** When (ms, the sender's clock). */
  at: number;
}

/** Reads the halt key's value; anything unreadable counts as a halt (fail safe), with a reason that says so. */
export function parseHalt(raw: string | null): HaltState | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<HaltState>;
    if (typeof value.reason === 'string' && typeof value.by === 'string') {
      return { reason: value.reason, by: value.by, at: Number(value.at ?? 0) };
    }
  } catch {
    // fall through
  }
  return { reason: 'fleet halted (the halt key holds an unreadable value)', by: 'unknown', at: 0 };
}
