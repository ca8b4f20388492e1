/**
 * The simulated exchange's faults as experiment actions. Each one sets its faults when it starts
 * and, when it stops, puts back exactly the fault values it changed, so two actions on different
 * faults do not undo each other. A ban (418) lasts its Retry-After once it has bitten, as a real
 * exchange's does: stopping the action ends new bans, not one already running.
 */
import { z } from 'zod';
import type { SimFaults, SimFaultsInput } from '../../trading/sim/faults.js';
import type { ActionHandle, ChaosAction } from './activities.js';
import type { ChaosTarget, ExchangeControl } from './target.js';

function exchangeOf(target: ChaosTarget, action: string): ExchangeControl {
  if (!target.exchange) throw new RangeError(`action ${action}: the service has no simulated exchange to break`);
  return target.exchange;
}

/** An action that sets `faults(args)` on start and restores the previous values of those keys on stop. */
export function simFaultAction<A>(name: string, description: string, args: z.ZodType<A>, faults: (args: A) => SimFaultsInput): ChaosAction<A> {
  return {
    name,
    description,
    args,
    start({ target }, parsed): ActionHandle {
      const exchange = exchangeOf(target, name);
      const update = faults(parsed);
      const current = exchange.faults();
      const previous = Object.fromEntries(Object.keys(update).map((key) => [key, current[key as keyof SimFaults]])) as SimFaultsInput;
      exchange.setFaults(update);
      return { stop: () => void exchange.setFaults(key(previous, 'failures') ? { ...previous, failures: [] } : previous) };
    },
  };
}

/** Scripted failure rules are spent as they fire: the revert clears the list rather than bringing back spent rules. */
const key = (update: SimFaultsInput, name: keyof SimFaultsInput): boolean => Object.hasOwn(update, name);

const none = z.strictObject({});

export const exchangeMaintenance = simFaultAction('exchange-maintenance', 'every API request answers 503 "System is under maintenance."', none, () => ({ maintenance: true }));

export const exchangeRateLimit = simFaultAction(
  'exchange-rate-limit',
  'the next `times` requests answer 429 with Retry-After: `retryAfterSec` (a 429 storm)',
  z.strictObject({ times: z.number().int().min(1).default(20), retryAfterSec: z.number().int().min(0).default(1) }),
  (a) => ({ failures: [{ status: 429, retryAfterSec: a.retryAfterSec, times: a.times, afterAccept: false }] }),
);

export const exchangeBan = simFaultAction(
  'exchange-ban',
  'the next request answers 418 with Retry-After: `retryAfterSec`: an IP ban, every request refused until it ends',
  z.strictObject({ retryAfterSec: z.number().int().min(1).default(5) }),
  (a) => ({ failures: [{ status: 418, retryAfterSec: a.retryAfterSec, times: 1, afterAccept: false }] }),
);

export const exchangeLatency = simFaultAction(
  'exchange-latency',
  'every API reply delayed by `latencyMs` (a slow exchange)',
  z.strictObject({ latencyMs: z.number().min(0).default(2_500) }),
  (a) => ({ latencyMs: a.latencyMs }),
);

export const exchangeLostReplies = simFaultAction(
  'exchange-lost-replies',
  'the next `orders` accepted orders get no reply: booked, but the connection drops (unknown outcome)',
  z.strictObject({ orders: z.number().int().min(1).default(3) }),
  (a) => ({ dropReplyAfterAccept: a.orders }),
);

export const exchangeLostRequests = simFaultAction(
  'exchange-lost-requests',
  'the next `orders` order requests are lost on the way: the exchange never sees them',
  z.strictObject({ orders: z.number().int().min(1).default(3) }),
  (a) => ({ loseRequests: a.orders }),
);

export const exchangeRefusedOrders = simFaultAction(
  'exchange-refused-orders',
  'the next `orders` orders refused for insufficient balance (HTTP 400, code -2010)',
  z.strictObject({ orders: z.number().int().min(1).default(2) }),
  (a) => ({ failures: [{ method: 'POST', path: '/api/v3/order', status: 400, code: -2010, msg: 'Account has insufficient balance for requested action.', times: a.orders, afterAccept: false }] }),
);

export const exchangeVisibilityDelay = simFaultAction(
  'exchange-visibility-delay',
  'new orders stay invisible to queries for `delayMs`',
  z.strictObject({ delayMs: z.number().min(0).default(3_000) }),
  (a) => ({ visibilityDelayMs: a.delayMs }),
);

export const exchangeClockSkew = simFaultAction(
  'exchange-clock-skew',
  "the exchange's clock runs `skewMs` ahead of ours (negative: behind); signed requests outside its window answer -1021",
  z.strictObject({ skewMs: z.number().default(-2_000) }),
  (a) => ({ clockSkewMs: a.skewMs }),
);

export const exchangeOutage: ChaosAction = {
  name: 'exchange-outage',
  description: 'the exchange stops accepting connections, and comes back with the same orders when the action stops',
  async start({ target }) {
    const exchange = exchangeOf(target, 'exchange-outage');
    if (!exchange.stopListening || !exchange.listenAgain) throw new RangeError('action exchange-outage: the exchange cannot be taken down (it is not served over HTTP)');
    const listenAgain = exchange.listenAgain.bind(exchange);
    await exchange.stopListening();
    return { stop: () => listenAgain() };
  },
};

/** A rollback: every fault back to none. */
export const exchangeClearFaults: ChaosAction = {
  name: 'exchange-clear-faults',
  description: 'every simulated fault back to none (a rollback)',
  start({ target }) {
    exchangeOf(target, 'exchange-clear-faults').setFaults({
      latencyMs: 0,
      maintenance: false,
      failures: [],
      dropReplyAfterAccept: 0,
      holdReplyAfterAccept: 0,
      visibilityDelayMs: 0,
      loseRequests: 0,
      matchingDelayMs: 0,
      clockSkewMs: 0,
    });
    return { stop: () => undefined };
  },
};

export const exchangeActions: readonly ChaosAction<never>[] = [
  exchangeMaintenance,
  exchangeRateLimit,
  exchangeBan,
  exchangeLatency,
  exchangeLostReplies,
  exchangeLostRequests,
  exchangeRefusedOrders,
  exchangeVisibilityDelay,
  exchangeClockSkew,
  exchangeOutage,
  exchangeClearFaults,
] as ChaosAction<never>[];
