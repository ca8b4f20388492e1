/** Small helpers shared by the policy tests (kept in test/support/async.ts). */
export { type Deferred, deferred, track } from '../support/async.js';
