/**
 * A failover group of three REST hosts for the ops tests, on a ManualClock and a seeded random:
 * api1 and api2 at priority 0, api3 a backup at priority 1; outlier detection ejects after three
 * gateway failures in a row; no slow start, so a returning endpoint takes its share at once; panic
 * only when fewer than 30 % (one of three) are routable.
 */
import type { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import { failoverGroup } from '../../src/failover/failover-group.js';
import type { FailoverGroup, FailoverStrategy } from '../../src/failover/types.js';

export const GATEWAY_FAILURES_TO_EJECT = 3;

/** The group; `without` leaves endpoints out (a configuration that dropped one). */
export function restGroup(clock: ManualClock, options: { name?: string; without?: readonly string[]; panicThreshold?: number; strategy?: FailoverStrategy } = {}): FailoverGroup<string> {
  const endpoints = [
    { name: 'api1', target: 'https://api1.example', priority: 0 },
    { name: 'api2', target: 'https://api2.example', priority: 0 },
    { name: 'api3', target: 'https://api3.example', priority: 1 },
  ].filter((e) => !options.without?.includes(e.name));
  return failoverGroup<string>({
    name: options.name ?? 'binance:rest',
    endpoints,
    strategy: options.strategy ?? 'priority',
    outlierDetection: { consecutiveGatewayFailures: GATEWAY_FAILURES_TO_EJECT, consecutiveFailures: 0, failurePercentage: 0, successRateStdevFactor: 0 },
    slowStart: false,
    // One routable endpoint of three is still routing; none is panic.
    panicThreshold: options.panicThreshold ?? 0.3,
    clock,
    random: seededRandom(16),
  });
}

/** Sends `endpoint` gateway failures until outlier detection ejects it (the other endpoints are avoided while it is routable). */
export function eject(group: FailoverGroup<string>, endpoint: string): void {
  const others = new Set(group.snapshot().endpoints.map((e) => e.name).filter((n) => n !== endpoint));
  for (let i = 0; i < GATEWAY_FAILURES_TO_EJECT; i++) {
    const picked = group.pick(others);
    if (picked.name !== endpoint) throw new Error(`eject: the group picked ${picked.name}, not ${endpoint}`);
    group.record(picked, 'gateway', 5);
  }
  const state = group.snapshot().endpoints.find((e) => e.name === endpoint)?.state;
  if (state !== 'ejected') throw new Error(`eject: ${endpoint} is ${state} after ${GATEWAY_FAILURES_TO_EJECT} gateway failures`);
}

/** `n` successful calls through the group, as it routes them. */
export function succeed(group: FailoverGroup<string>, n: number, latencyMs = 20): void {
  for (let i = 0; i < n; i++) group.record(group.pick(), 'success', latencyMs);
}
