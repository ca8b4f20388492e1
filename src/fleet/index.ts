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
