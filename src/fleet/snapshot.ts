/**
 * What an instance publishes: its identity with the heartbeat, and a snapshot of its state
 * (gate, breakers, limits, health, order counts, commands applied). Plain JSON, read back by
 * `fleetControl().instances()` and shown by `GET /api/instances`.
 */
import { type FleetSources, fleetBreakerName, type GateModeName } from './sources.js';

export interface InstanceIdentity {
  id: string;
  host: string;
  pid: number;
  /** The bot's own version (or the toolkit's when it names none). */
  version: string;
  startedAt: number;
}

export interface InstanceHeartbeat extends InstanceIdentity {
  /** When the instance last wrote its heartbeat (ms, its own clock). */
  heartbeatAt: number;
  /** Set when the instance left the fleet on purpose (`leave()`). */
  leftAt?: number;
}

/** A command an instance applied (or could not), as its snapshot reports the latest one. */
export interface AppliedCommand {
  id: string;
  type: string;
  target: string;
  by: string;
  outcome: 'applied' | 'failed';
  message: string;
  at: number;
}

export interface InstanceSnapshot {
  at: number;
  gate: { mode: GateModeName; reason: string; since: number; killed: boolean; conditions: Array<{ name: string; mode: string; reason: string }> } | null;
  breakers: Array<{ name: string; state: string }>;
  limits: Array<{ name: string; admitted: number; limited: number; usage: number | null; queued: number }>;
  health: { status: string } | null;
  orders: Record<string, number> | null;
  /** Singleton duties it holds as its fleet's leader (empty when it leads none or reports none). */
  duties: string[];
  commands: { applied: number; failed: number; last: AppliedCommand | null };
  /** Sources that threw while the snapshot was taken, with their message. */
  errors: Record<string, string>;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Takes a snapshot of the sources; a source that throws is reported in `errors`, not fatal. */
export async function takeSnapshot(sources: FleetSources, commands: InstanceSnapshot['commands'], at: number): Promise<InstanceSnapshot> {
  const errors: Record<string, string> = {};
  const guard = async <T>(name: string, read: () => T | Promise<T>, fallback: T): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      errors[name] = message(error);
      return fallback;
    }
  };
  const gate = sources.gate;
  return {
    at,
    gate: gate
      ? await guard(
          'gate',
          () => {
            const s = gate.status;
            return { mode: s.mode, reason: s.reason, since: s.since, killed: s.killed, conditions: s.conditions.filter((c) => !c.acknowledged).map((c) => ({ name: c.name, mode: c.mode, reason: c.reason })) };
          },
          null,
        )
      : null,
    breakers: sources.breakers ? await guard('breakers', () => sources.breakers!.breakers().map((b) => ({ name: fleetBreakerName(b), state: b.state })), []) : [],
    limits: sources.limits
      ? await guard('limits', () => sources.limits!().map((l) => ({ name: l.name, admitted: l.admitted, limited: l.limited, usage: l.usage, queued: l.queued })), [])
      : [],
    health: sources.health ? await guard('health', async () => ({ status: (await sources.health!.check()).status }), null) : null,
    orders: sources.orders ? await guard('orders', async () => ({ ...(await sources.orders!.counts()) }), null) : null,
    duties: sources.duties ? await guard('duties', () => [...sources.duties!()], []) : [],
    commands: { ...commands, last: commands.last ? { ...commands.last } : null },
    errors,
  };
}
