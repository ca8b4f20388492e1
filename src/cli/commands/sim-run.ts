/**
 * What `bulwark sim` runs (see sim.ts), loaded only when it runs: the simulated Binance-like
 * exchange and its price walk.
 */
import { type SimServer, startSimServer } from '../../trading/sim/server.js';

export interface SimCommandOptions {
  port?: number | string;
  seed?: number | string;
  /** Milliseconds between two seeded price steps; 0 keeps prices still. */
  stepMs?: number | string;
  out?: (line: string) => void;
}

import { SIM_COMMAND_DEFAULTS } from './sim.js';
import { integerFlag } from '../flags.js';

/** Starts the simulator and its price walk; resolves with a handle that stops both. */
export async function runSim(options: SimCommandOptions = {}): Promise<{ server: SimServer; stop(): Promise<void> }> {
  const port = integerFlag('port', options.port, SIM_COMMAND_DEFAULTS.port, 0, 65_535);
  const seed = integerFlag('seed', options.seed, SIM_COMMAND_DEFAULTS.seed, 0, 2 ** 32 - 1);
  const stepMs = integerFlag('step-ms', options.stepMs, SIM_COMMAND_DEFAULTS.stepMs, 0, 3_600_000);
  const out = options.out ?? ((line: string) => console.log(line));
  const server = await startSimServer({ port, seed });
  const walk = stepMs > 0 ? setInterval(() => server.engine.step(), stepMs) : undefined;
  out(`Simulated exchange (Binance spot REST) at ${server.url}`);
  out(`  markets: ${server.engine.listMarkets().map((m) => m.symbol).join(', ')}; seed ${seed}`);
  out(`  control: GET ${server.url}/_sim/stats, POST ${server.url}/_sim/faults {"latencyMs":200}, POST ${server.url}/_sim/fill`);
  return {
    server,
    async stop() {
      if (walk) clearInterval(walk);
      await server.close();
    },
  };
}
