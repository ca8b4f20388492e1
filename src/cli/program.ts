import { Command } from 'commander';
import { registerStart } from './commands/start.js';
import { registerBackup } from './commands/backup.js';
import { registerHealth } from './commands/health.js';
import { registerConfig } from './commands/config.js';
import { registerDlq } from './commands/dlq.js';
import { registerSim } from './commands/sim.js';
import { registerSoak } from './commands/soak.js';
import { registerBot } from './commands/bot.js';

/** The `bulwark` command line: one file per command under commands/, registered here. */
export function buildProgram(): Command {
  const program = new Command('bulwark').description('Resilience toolkit and operations service for trading systems');
  registerStart(program);
  registerBackup(program);
  registerHealth(program);
  registerConfig(program);
  registerDlq(program);
  registerSim(program);
  registerSoak(program);
  registerBot(program);
  return program;
}
