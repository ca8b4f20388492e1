/** `bulwark/fleet`: processes that share state over Redis and PostgreSQL. */
export {
  BreakerSharing,
  breakerSharing,
  breakerSharingDefaults,
  shareBreaker,
  shareDefaults,
  type BreakerSharingEvents,
  type BreakerSharingOptions,
  type ShareOptions,
  type SharedBreaker,
} from './shared-breaker.js';
export { type BreakerChange, parseBreakerChange } from './shared-breaker-message.js';
export {
  LeaderElection,
  leaderElection,
  leaderElectionDefaults,
  type DeposedReason,
  type LeaderElectionEvents,
  type LeaderElectionOptions,
} from './leader.js';
export { FENCE_TABLE_SQL, StaleFencingTokenError, claimFence, fencedSet, type FencedSetOptions } from './leader-fence.js';
export {
  LEADER_TERMS_TABLE_SQL,
  PostgresLeaderElection,
  postgresLeaderElection,
  postgresLeaderElectionDefaults,
  type PostgresLeaderElectionOptions,
} from './leader-postgres.js';
