/**
 * `bulwark sim [--port N] [--seed N] [--step-ms N]`: runs the simulated Binance-like exchange
 * until interrupted. Point ccxt.binance at it with `pointAtSimulator(exchange, url)`; drive faults
 * through its control endpoint (/_sim/faults).
 */
import type { Command } from 'commander';
import { type SimServer, startSimServer } from '../../trading/sim/server.js';

export interface SimCommandOptions {
  port?: number | string;
  seed?: number | string;
  /** Milliseconds between two seeded price steps; 0 keeps prices still. */
  stepMs?: number | string;
  out?: (line: string) => void;
}

export const SIM_COMMAND_DEFAULTS = {
  port: 8090, // next to `bulwark start`'s 8080, easy to remember
  seed: 42, // the same session every run unless asked otherwise
  stepMs: 1_000, // prices move once a second: alive for a demo, slow enough to read
} as const;

function parseIntOption(name: string, value: string | number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!(Number.isInteger(n) && n >= min && n <= max)) throw new RangeError(`bulwark sim: --${name} must be an integer ${min}..${max}, got ${String(value)}`);
  return n;
}

/** Starts the simulator and its price walk; resolves with a handle that stops both. */
export async function runSim(options: SimCommandOptions = {}): Promise<{ server: SimServer; stop(): Promise<void> }> {
  const port = parseIntOption('port', options.port, SIM_COMMAND_DEFAULTS.port, 0, 65_535);
  const seed = parseIntOption('seed', options.seed, SIM_COMMAND_DEFAULTS.seed, 0, 2 ** 32 - 1);
  const stepMs = parseIntOption('step-ms', options.stepMs, SIM_COMMAND_DEFAULTS.stepMs, 0, 3_600_000);
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

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('simulated exchange (Binance spot REST) with a fault control endpoint')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(SIM_COMMAND_DEFAULTS.port))
    .option('--seed <n>', 'seed of the price walk', String(SIM_COMMAND_DEFAULTS.seed))
    .option('--step-ms <n>', 'milliseconds between price steps (0: still)', String(SIM_COMMAND_DEFAULTS.stepMs))
    .action(async (opts: { port: string; seed: string; stepMs: string }) => {
      const sim = await runSim({ port: opts.port, seed: opts.seed, stepMs: opts.stepMs });
      const stop = (): void => {
        sim.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
