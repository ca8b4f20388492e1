/**
 * Where a fleet lives in Redis. Every key of one fleet shares the hash tag `{<fleet>}`, so a
 * Redis Cluster keeps them in one slot (the halt key and the command stream change together).
 *
 *   <prefix>{<fleet>}:instances          sorted set: instance id -> last heartbeat (ms, the member's clock)
 *   <prefix>{<fleet>}:instance:<id>      hash: 'heartbeat' (identity + time), 'snapshot' (state); expires after dropAfterMs
 *   <prefix>{<fleet>}:alive:<id>         string, expires after ttlMs: its absence marks the instance stale
 *   <prefix>{<fleet>}:halt               JSON of the fleet-wide halt while it holds (absent when resumed)
 *   <prefix>{<fleet>}:commands           stream of commands; one consumer group per instance (group = instance id)
 */

export const FLEET_KEY_DEFAULTS = {
  // Namespaces the toolkit's keys away from an application's own.
  prefix: 'bulwark:fleet:',
  // One fleet per Redis unless the operator runs several (e.g. per exchange account).
  fleet: 'default',
};

export interface FleetKeys {
  readonly instances: string;
  readonly halt: string;
  readonly commands: string;
  instance(id: string): string;
  alive(id: string): string;
}

const NAME = /^[\w.:@+-]{1,100}$/;

/** Throws a RangeError naming `component: option` unless `value` is a usable fleet or instance name. */
export function checkName(component: string, option: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new RangeError(`${component}: ${option} must be 1-100 letters, digits or . _ : @ + -, got ${JSON.stringify(value)}`);
  }
}

export function fleetKeys(prefix: string, fleet: string): FleetKeys {
  const base = `${prefix}{${fleet}}:`;
  return {
    instances: `${base}instances`,
    halt: `${base}halt`,
    commands: `${base}commands`,
    instance: (id) => `${base}instance:${id}`,
    alive: (id) => `${base}alive:${id}`,
  };
}
