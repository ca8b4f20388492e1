/**
 * `bulwark sim [--port N] [--seed N] [--step-ms N]`: runs the simulated Binance-like exchange
 * until interrupted (sim-run.ts, loaded only when the command runs). Point ccxt.binance at it with
 * `pointAtSimulator(exchange, url)`; drive faults through its control endpoint (/_sim/faults).
 */
import type { Command } from 'commander';

export const SIM_COMMAND_DEFAULTS = {
  port: 8090, // next to `bulwark start`'s 8080, easy to remember
  seed: 42, // the same session every run unless asked otherwise
  stepMs: 1_000, // prices move once a second: alive for a demo, slow enough to read
} as const;

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('simulated exchange (Binance spot REST) with a fault control endpoint')
    .option('--port <n>', 'port to listen on (0 picks a free one)', String(SIM_COMMAND_DEFAULTS.port))
    .option('--seed <n>', 'seed of the price walk', String(SIM_COMMAND_DEFAULTS.seed))
    .option('--step-ms <n>', 'milliseconds between price steps (0: still)', String(SIM_COMMAND_DEFAULTS.stepMs))
    .action(async (opts: { port: string; seed: string; stepMs: string }) => {
      const { runSim } = await import('./sim-run.js');
      const sim = await runSim({ port: opts.port, seed: opts.seed, stepMs: opts.stepMs, out: (line) => console.error(line) });
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
