/**
 * `bulwark/fleet`: bots in several processes as one fleet over Redis. A bot calls `joinFleet()`
 * in its own process (heartbeat, snapshots, commands, the fail-safe); the ops service uses
 * `fleetControl()` (instances, fleet-wide halt and resume, commands to one instance).
 * Importing it starts nothing and opens no connection.
 */
export { joinFleet, joinFleetDefaults, FleetMember, FLEET_CONDITION, type JoinFleetOptions, type FleetMemberEvents, type FleetMemberStatus } from './member.js';
export { fleetControl, fleetControlDefaults, FleetControl, type FleetControlOptions, type InstanceView } from './control.js';
export { ALL, fleetCommandSchema, type FleetCommand, type FleetCommandType, type SentCommand } from './commands.js';
export { type HaltState } from './halt-state.js';
export { fleetKeys, fleetKeyDefaults, type FleetKeys } from './keys.js';
export { type InstanceIdentity, type InstanceHeartbeat, type InstanceSnapshot, type AppliedCommand } from './snapshot.js';
export { type FleetSources, type FleetGateLike, type FleetBreakerLike, type FleetBreakers, type FleetLimitUsage, type FleetHealthLike, type FleetOrdersLike, type GateModeName } from './sources.js';
