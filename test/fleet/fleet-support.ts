/** Helpers for the fleet tests: wait for a member's event, make members with a gate and a breaker each. */
import type { Redis } from 'ioredis';
import type { Clock } from '../../src/core/clock.js';
import { type FleetMember, type FleetMemberEvents, type JoinFleetOptions, joinFleet } from '../../src/fleet/index.js';
import { createRegistry } from '../../src/policies/registry.js';
import { type TradingGate, tradingGate } from '../../src/trading/gate.js';

/** Resolves with the member's next event `name` that satisfies `match`, or rejects after `ms` (a hang, not a timing threshold). */
export function nextEvent<K extends keyof FleetMemberEvents & string>(
  member: FleetMember,
  name: K,
  match: (event: FleetMemberEvents[K]) => boolean = () => true,
  ms = 10_000,
): Promise<FleetMemberEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const off = member.on(name, (event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

export interface Bot {
  member: FleetMember;
  gate: TradingGate;
  registry: ReturnType<typeof createRegistry>;
}

/** A bot's fleet parts: its own gate and a breaker registry with one breaker named 'orders'. */
export function bot(redis: Redis, prefix: string, instance: string, options: Partial<JoinFleetOptions> & { clock?: Clock } = {}): Bot {
  const gate = tradingGate(options.clock ? { clock: options.clock } : {});
  const registry = createRegistry();
  registry.breaker('orders');
  const member = joinFleet({ redis, prefix, instance, gate, breakers: registry, orders: { counts: () => ({ OPEN: 1, FILLED: 2 }) }, ...options });
  return { member, gate, registry };
}
