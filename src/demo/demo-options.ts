/** The demo's options, their defaults (each with its reason), and what a started demo hands back. */
import { type Clock, systemClock } from '../core/clock.js';
import type { Metrics } from '../observe/metrics.js';
import type { ThreatsConfig } from '../security/threats.js';
import type { ServerComponents } from '../server/components.js';
import type { LiveEvents } from '../server/live-events.js';
import type { SqliteStorage } from '../storage/sqlite.js';
import type { ResilientExchange } from '../trading/exchange.js';
import type { ResilientExchangeOptions } from '../trading/exchange-options.js';
import type { TradingGate } from '../trading/gate.js';
import type { SimEndpoints } from '../trading/sim/endpoints.js';
import type { SimServer } from '../trading/sim/server.js';
import type { DemoBot } from './bot.js';
import { type FaultInjector, type FaultScenario, demoScenarios } from './fault-injector.js';

export interface DemoOptions {
  /** Where the SQLite database and backups live. */
  dataDir?: string;
  /** Seed of the price walk and the bot's choices: the same demo every run. */
  seed?: number;
  /** Bot tick. */
  tickMs?: number;
  /** Price walk step period. */
  priceStepMs?: number;
  /** Quiet time between fault scenarios; 0 turns fault injection off. */
  faultQuietMs?: number;
  /** Port of the simulated exchange's first endpoint, api1 (loopback; the others take free ports); 0 picks a free one. */
  simPort?: number;
  scenarios?: readonly FaultScenario[];
  clock?: Clock;
  /** Lockout and threat detection (`security.threats`); every rule on with its defaults when omitted. */
  threats?: ThreatsConfig;
  /** Changes to the exchange client's options (a chaos experiment's weakened configuration, e.g. `{ breaker: false }`). */
  exchange?: Partial<ResilientExchangeOptions>;
  /** Chaos experiments over the ops API against the demo's own exchange (`features.chaos` of demo mode). */
  chaos?: boolean;
}

export const DEMO_DEFAULTS = {
  dataDir: './.bulwark', // the data directory of a Bulwark process, next to where it runs
  seed: 42, // the same session every run unless asked otherwise
  tickMs: 1_000, // one order a second: lively on the dashboard, readable in the journal
  priceStepMs: 500, // prices move twice a second so resting orders fill now and then
  faultQuietMs: 12_000, // long enough between faults for breakers to close and the gate to recover
  simPort: 0, // a free port: two demos (or a demo and its tests) never collide
  scenarios: demoScenarios,
  clock: systemClock as Clock,
  threats: {} as ThreatsConfig, // the service's defaults: the demo shows what a deployment gets
  exchange: {} as Partial<ResilientExchangeOptions>, // the demo's own choices below, unchanged
  chaos: false, // as in a configuration: chaos is off unless asked for
};

/** The demo exchange's endpoints: one simulated exchange, three hosts. */
export const DEMO_ENDPOINTS = ['api1', 'api2', 'api3'] as const;

export interface Demo {
  readonly components: ServerComponents & { events: LiveEvents; metrics: Metrics };
  /** The simulated exchange as a whole (an outage takes every endpoint down); its url is api1's. */
  readonly sim: SimServer;
  /** The exchange's endpoints, each with its own faults. */
  readonly endpoints: SimEndpoints;
  readonly exchange: ResilientExchange;
  readonly gate: TradingGate;
  readonly bot: DemoBot;
  readonly faults: FaultInjector;
  readonly storage: SqliteStorage;
  /** Stops the bot, the faults, the simulator and closes the database. */
  stop(): Promise<void>;
}
