/**
 * `bulwark start [--config FILE] [--port N] [--host H] [--data-dir DIR] [--no-faults] [--sim-port N]`:
 * the ops server and dashboard (start-run.ts, loaded only when the command runs). stdout carries
 * the server's JSON log; the banner and notices go to stderr.
 */
import type { Command } from 'commander';
import { DATA_LOCATION_DEFAULTS } from '../data-location.js';

export const START_DEFAULTS = {
  port: 8080, // the usual ops-service port
  host: '127.0.0.1', // loopback: the ops API controls trading and has no authentication yet
  dataDir: DATA_LOCATION_DEFAULTS.dataDir, // the data directory of a Bulwark process, next to where it runs
} as const;

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('ops server + dashboard; no config = demo mode')
    .option('--config <file>', 'configuration file (YAML)')
    .option('--port <n>', `port for the ops server (0 picks a free one; default ${START_DEFAULTS.port})`)
    .option('--host <host>', `interface to listen on (loopback only; default server.host, else ${START_DEFAULTS.host})`)
    .option('--data-dir <dir>', `demo mode: where the database and backups live (default ${START_DEFAULTS.dataDir})`)
    .option('--no-faults', 'demo mode: trade against a healthy simulated exchange (no injected faults)')
    .option('--sim-port <n>', 'demo mode: port of the simulated exchange, for another client to reach (default: a free one)')
    .action(async (opts: { config?: string; port?: string; host?: string; dataDir?: string; faults: boolean; simPort?: string }) => {
      const { runStart } = await import('./start-run.js');
      const service = await runStart({ ...opts, out: (line) => console.error(line) });
      service.shutdown.install(process);
    });
}
