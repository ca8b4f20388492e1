/**
 * `bulwark/fleet`: bots in several processes as one fleet over Redis. A bot calls `joinFleet()`
 * in its own process (heartbeat, snapshots, commands, the fail-safe); the ops service uses
 * `fleetControl()` (instances, fleet-wide halt and resume, commands to one instance).
 * Importing it starts nothing and opens no connection.
 */
export { joinFleet, JOIN_FLEET_DEFAULTS, FleetMember, FLEET_CONDITION, type JoinFleetOptions, type FleetMemberEvents, type FleetMemberStatus } from './member.js';
export { fleetControl, FLEET_CONTROL_DEFAULTS, FleetControl, type FleetControlOptions, type InstanceView } from './control.js';
export { ALL, fleetCommandSchema, type FleetCommand, type FleetCommandType, type SentCommand } from './commands.js';
export { type HaltState } from './halt-state.js';
export { fleetKeys, FLEET_KEY_DEFAULTS, type FleetKeys } from './keys.js';
export { type InstanceIdentity, type InstanceHeartbeat, type InstanceSnapshot, type AppliedCommand } from './snapshot.js';
export { type FleetSources, type FleetGateLike, type FleetBreakerLike, type FleetBreakers, type FleetLimitUsage, type FleetHealthLike, type FleetOrdersLike, type GateModeName } from './sources.js';
export {
  BreakerSharing,
  breakerSharing,
  BREAKER_SHARING_DEFAULTS,
  shareBreaker,
  SHARE_DEFAULTS,
  type BreakerSharingEvents,
  type BreakerSharingOptions,
  type ShareOptions,
  type SharedBreaker,
} from './shared-breaker.js';
export { type BreakerChange, parseBreakerChange } from './shared-breaker-message.js';
export {
  LeaderElection,
  leaderElection,
  LEADER_ELECTION_DEFAULTS,
  type DeposedReason,
  type LeaderElectionEvents,
  type LeaderElectionOptions,
} from './leader.js';
export { leadDuty, whileLeader, type ElectionLike, type LeaderDuty, type LeaderDutyBinding, type LedDuty } from './leader-duty.js';
export { FENCE_TABLE_SQL, StaleFencingTokenError, claimFence, fencedSet, type FencedSetOptions } from './leader-fence.js';
export {
  LEADER_TERMS_TABLE_SQL,
  PostgresLeaderElection,
  postgresLeaderElection,
  POSTGRES_LEADER_ELECTION_DEFAULTS,
  type PostgresLeaderElectionOptions,
} from './leader-postgres.js';
