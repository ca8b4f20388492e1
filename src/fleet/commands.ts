/**
 * The commands an operator sends to a fleet, and their envelope on the command stream. One zod
 * schema serves the ops API (request bodies) and the member (entries read back from Redis).
 */
import { z } from 'zod';

/** Everyone in the fleet. */
export const ALL = '*';

const reason = z.string().trim().min(1).max(200);
const breaker = z.string().trim().min(1).max(200);

export const fleetCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('halt'), reason: reason.describe('why trading stops') }).strict(),
  z.object({ type: z.literal('resume'), reason: reason.optional() }).strict(),
  z.object({ type: z.literal('isolate'), breaker, reason: reason.optional() }).strict(),
  z.object({ type: z.literal('release'), breaker, reason: reason.optional() }).strict(),
  z.object({ type: z.literal('reset'), breaker, reason: reason.optional() }).strict(),
]);

/**
 * What an instance does with it: `halt` turns its gate's kill switch on, `resume` releases it
 * (rule-raised conditions keep holding the gate), `isolate` holds a breaker open until `release`,
 * `reset` closes a breaker and clears its window (and any isolation).
 */
export type FleetCommand = z.infer<typeof fleetCommandSchema>;
export type FleetCommandType = FleetCommand['type'];

/** A command as it travels: the stream entry id names it. */
export interface SentCommand {
  /** The stream entry id (e.g. '1733338800000-0'): unique, ordered. */
  id: string;
  /** An instance id, or '*' for every instance. */
  target: string;
  /** Who sent it (the operator's name). */
  by: string;
  /** When it was sent (ms, the sender's clock). */
  at: number;
  command: FleetCommand;
}

/** The stream entry's fields, flat as XADD wants them. */
export function commandFields(target: string, by: string, at: number, command: FleetCommand): string[] {
  return ['target', target, 'by', by, 'at', String(at), 'command', JSON.stringify(command)];
}

/** Reads an entry back; a malformed one (written by something else) gives an error message instead. */
export function parseCommandEntry(id: string, fields: readonly string[]): SentCommand | { id: string; error: string } {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  let raw: unknown;
  try {
    raw = JSON.parse(map.get('command') ?? 'null');
  } catch {
    return { id, error: 'command is not JSON' };
  }
  const parsed = fleetCommandSchema.safeParse(raw);
  if (!parsed.success) return { id, error: `command: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { id, target: map.get('target') ?? ALL, by: map.get('by') ?? 'operator', at: Number(map.get('at') ?? 0), command: parsed.data };
}
