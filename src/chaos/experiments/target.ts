/**
 * The service an experiment runs against, typed by shape so chaos/ depends on no entry point:
 * the ops server's components fit, and so does a test's hand-made target. Every part is optional;
 * a probe or action whose part is missing fails with a message naming it.
 */
import type { HealthReport } from '../../health/types.js';
import type { SimFaults, SimFaultsInput } from '../../trading/sim/faults.js';
import type { FaultProxy } from '../proxy/fault-proxy.js';
import type { MetricRegistry } from './metric-reader.js';

/** The simulated exchange's controls (a `SimServer` fits; so does a `SimRouter` without outages). */
export interface ExchangeControl {
  faults(): SimFaults;
  setFaults(update: SimFaultsInput): SimFaults;
  /** Every order the exchange holds, visible or not. */
  heldOrders(): Promise<ReadonlyArray<{ clientOrderId: string }>> | ReadonlyArray<{ clientOrderId: string }>;
  /** An outage: the exchange stops accepting connections (optional). */
  stopListening?(): Promise<void>;
  listenAgain?(): Promise<void>;
}

export interface ChaosTarget {
  health?: { check(): Promise<Pick<HealthReport, 'checks'>> };
  /** The score weights per check group the service uses. */
  healthWeights?: Readonly<Record<string, number>>;
  gate?: { readonly mode: 'active' | 'reducing' | 'halted' };
  /** The service's prom-client registry. */
  registry?: MetricRegistry;
  /** The order journal's counts by state (an `OrdersView` fits). */
  orders?: { counts(): Record<string, number> | Promise<Record<string, number>> };
  exchange?: ExchangeControl;
  /** The service's fault proxies by name (`chaos.proxies`): the `proxy-toxic` action adds its toxic to one. */
  proxies?: { get(name: string): Pick<FaultProxy, 'name' | 'addToxic' | 'removeToxic'> | undefined };
}

/** What `simExchange` needs of the simulator (a `SimServer` fits). */
export interface SimLike {
  faults(): SimFaults;
  setFaults(update: SimFaultsInput): SimFaults;
  readonly engine: { allOrdersHeld(): ReadonlyArray<{ clientOrderId: string }> };
  stopListening?(): Promise<void>;
  listenAgain?(): Promise<void>;
}

/** The simulator as an experiment's exchange. */
export function simExchange(sim: SimLike): ExchangeControl {
  return {
    faults: () => sim.faults(),
    setFaults: (update) => sim.setFaults(update),
    heldOrders: () => sim.engine.allOrdersHeld(),
    ...(sim.stopListening && sim.listenAgain ? { stopListening: () => sim.stopListening!(), listenAgain: () => sim.listenAgain!() } : {}),
  };
}
