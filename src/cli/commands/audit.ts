/**
 * `bulwark audit verify | export | rekey`: the command line over the audit log (security/audit-log.ts).
 * The service's data is found the way `bulwark start` finds it (`--config`, `--data-dir`, default
 * ./.bulwark), and so is its key (`BULWARK_SECURITY_KEY`, else the key file); neither a database
 * nor a key is ever created here. `verify` exits 1 when the chain is broken. The work lives in
 * audit-run.ts, loaded only when a subcommand runs.
 */
import type { Command } from 'commander';
import { dataLocationOptions } from '../data-location.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export interface AuditOutput {
  write(chunk: string): unknown;
}

export interface AuditCommandDeps {
  stdout?: AuditOutput;
  env?: NodeJS.ProcessEnv;
  /** Receives the exit code (1 when verify finds a break); default sets process.exitCode. */
  setExitCode?: (code: number) => void;
}

export interface AuditFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export interface ExportFlags extends AuditFlags {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  out?: string;
}

export interface RekeyFlags extends AuditFlags {
  newKeyFile: string;
}

export function registerAudit(program: Command, deps: AuditCommandDeps = {}): void {
  const run = async (): Promise<typeof import('./audit-run.js')> => import('./audit-run.js');
  const audit = program.command('audit').description('audit log: verify the chain, export entries, rotate the service key');

  dataLocationOptions(audit.command('verify').description('walk the chain and its latest checkpoint; report the first broken entry (exit 1 when broken)'), 'its storage and key').action(async (flags: AuditFlags) => {
    await (await run()).auditVerify(flags, deps);
  });

  dataLocationOptions(audit.command('rekey').description('rotate the service key: check the chain, chain it again under the new key, then swap the key file (exit 1 when the chain is broken)'), 'its storage and key')
    .requiredOption('--new-key-file <file>', 'the new key (64 hex characters); made, mode 0600, when the file does not exist')
    .action(async (flags: RekeyFlags) => {
      await (await import('./audit-rekey-run.js')).auditRekey(flags, deps);
    });

  dataLocationOptions(audit.command('export').description('write entries as JSON lines, oldest first'), 'its storage and key')
    .option('--since <time>', 'entries at or after this time (ISO 8601, milliseconds, or an age such as 24h, 7d)')
    .option('--until <time>', 'entries before this time (same forms)')
    .option('--actor <name>', 'only entries by this actor')
    .option('--action <action>', 'only entries of this action (e.g. "POST /api/gate/halt")')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (flags: ExportFlags) => {
      await (await run()).auditExport(flags, deps);
    });
}
