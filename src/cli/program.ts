import { Command } from 'commander';
import { bulwarkVersion } from '../core/version.js';
import { registerStart } from './commands/start.js';
import { registerBackup } from './commands/backup.js';
import { registerHealth } from './commands/health.js';
import { registerConfig } from './commands/config.js';
import { registerDlq } from './commands/dlq.js';
import { registerSim } from './commands/sim.js';
import { registerSoak } from './commands/soak.js';
import { registerBot } from './commands/bot.js';
import { registerToken } from './commands/token.js';
import { registerAudit } from './commands/audit.js';
import { registerSecrets } from './commands/secrets.js';
import { registerChaos } from './commands/chaos.js';
import { registerTune } from './commands/tune.js';
import { registerReport } from './commands/report.js';
import { cliErrorLine } from './errors.js';

/** `backup create` for the command that runs as `bulwark backup create`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A command whose parse errors (unknown option, missing argument) read like every other error line. */
class BulwarkCommand extends Command {
  override createCommand(name?: string): Command {
    return new BulwarkCommand(name);
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(cliErrorLine(commandPath(this), message.replace(/^error: /, '')), errorOptions);
  }
}

/**
 * The `bulwark` command line: one file per command under commands/, registered here. Registering
 * loads only commander and each command's options: a command's work (and ccxt, the server, the
 * database drivers) is imported when that command runs, so `--help` and `--version` answer fast.
 * Every error line reads `bulwark <command>: <message>`, commander's own included.
 */
export function buildProgram(): Command {
  const program = new BulwarkCommand('bulwark').description('Resilience toolkit and operations service for trading systems').version(bulwarkVersion, '-V, --version', 'print the version');
  registerStart(program);
  registerBackup(program);
  registerHealth(program);
  registerConfig(program);
  registerDlq(program);
  registerSim(program);
  registerSoak(program);
  registerBot(program);
  registerToken(program);
  registerAudit(program);
  registerSecrets(program);
  registerChaos(program);
  registerTune(program);
  registerReport(program);
  return program;
}

/** Runs the command line; a failed command prints one error line on stderr and exits 1. */
export async function runProgram(argv: readonly string[], program: Command = buildProgram()): Promise<void> {
  let running = '';
  program.hook('preAction', (_root, action) => {
    running = commandPath(action);
  });
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    process.stderr.write(`${cliErrorLine(running, error)}\n`);
    process.exitCode = 1;
  }
}
