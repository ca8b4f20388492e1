/** Shared bits for the failover tests: a group on a manual clock, and ways to feed it outcomes. */
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import type { FailoverGroupOptions } from '../../src/failover/options.js';
import type { CallOutcome, EndpointSpec, FailoverGroup } from '../../src/failover/types.js';

export const op = { reason: 'maintenance window', actor: 'alice' };

/** Endpoints named a, b, c... at priority 0 with weight 1 (targets are their names in upper case). */
export function endpoints(count: number, extra: Partial<EndpointSpec<string>> = {}): Array<EndpointSpec<string>> {
  return Array.from({ length: count }, (_, i) => ({ name: String.fromCharCode(97 + i), target: String.fromCharCode(65 + i), ...extra }));
}

export interface TestGroup {
  group: FailoverGroup<string>;
  clock: ManualClock;
}

export function makeGroup(options: Partial<FailoverGroupOptions<string>> = {}, seed = 7): TestGroup {
  const clock = new ManualClock(1_000_000);
  const group = failoverGroup<string>({ name: 'venue', endpoints: endpoints(4), clock, random: seededRandom(seed), ...options });
  return { group, clock };
}

/** Records `times` outcomes against one endpoint by name, as if calls to it had ended. */
export function feed(group: FailoverGroup<string>, name: string, outcome: CallOutcome, times = 1, latencyMs = 5): void {
  const endpoint = { name, target: name.toUpperCase(), priority: 0 };
  for (let i = 0; i < times; i++) group.record(endpoint, outcome, latencyMs);
}

/** Picks `times` times, recording `outcome(name)` for each; returns the picks per endpoint. */
export function drive(group: FailoverGroup<string>, times: number, outcome: (name: string) => CallOutcome = () => 'success', latencyMs: (name: string) => number = () => 5): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < times; i++) {
    const e = group.pick();
    counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    group.record(e, outcome(e.name), latencyMs(e.name));
  }
  return counts;
}

export function stateOf(group: FailoverGroup<string>, name: string): string {
  return group.snapshot().endpoints.find((e) => e.name === name)!.state;
}
