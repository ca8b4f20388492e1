/**
 * The `chaos` namespace: `chaos.fault`, `chaos.latency`, `chaos.outcome`, `chaos.behavior`.
 * Each is a policy, composed in `pipeline()` like retry or timeout; put them innermost, next to
 * the call, so the resilience policies around them meet the chaos as they would a real failure:
 *
 *   pipeline(retry(), timeout({ ms: 2_000 }), chaos.latency({ delayMs: 3_000, injectionRate: 0.1 }))
 */
import { behavior } from './behavior.js';
import { fault } from './fault.js';
import { latency } from './latency.js';
import { outcome } from './outcome.js';

export const chaos = { fault, latency, outcome, behavior } as const;
