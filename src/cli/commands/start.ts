import type { Command } from 'commander';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('ops server + dashboard; no config = demo mode')
    .option('--config <file>', 'configuration file')
    .option('--port <n>', 'port for the ops server (0 picks a free one)', '8080')
    .action(() => {
      console.log('Bulwark: the ops server and demo are not built yet.');
      console.log('The library is ready: import { retry, circuitBreaker, pipeline } from "bulwark".');
    });
}
