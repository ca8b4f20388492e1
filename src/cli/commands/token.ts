/**
 * `bulwark token create --role ROLE [--name N] [--expires 30d] | list | revoke ID`: the API tokens of
 * a service (src/security/tokens.ts). The service's storage is found the way `bulwark start` finds
 * it (`--config`, `--data-dir`, default ./.bulwark). A token is printed once, by `create`; `list`
 * never shows a secret. The work lives in token-run.ts, loaded only when a subcommand runs.
 */
import type { Command } from 'commander';
import { dataLocationOptions } from '../data-location.js';
import { durationArgument } from '../flags.js';

/** Where output goes; injectable so the commands can be run and checked in-process. */
export interface TokenOutput {
  write(text: string): unknown;
}

export interface TokenCommandDeps {
  stdout?: TokenOutput;
  /** Notices (the "shown once" line); stdout carries only the token. */
  stderr?: TokenOutput;
  /** The time a token's expiry counts from; the system clock by default. */
  now?: () => number;
}

export interface TokenFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export interface CreateTokenFlags extends TokenFlags {
  role: string;
  name?: string;
  expires?: number;
}

export function registerToken(program: Command, deps: TokenCommandDeps = {}): void {
  const run = async (): Promise<typeof import('./token-run.js')> => import('./token-run.js');
  const token = program.command('token').description('API tokens: create (printed once), list, revoke');

  dataLocationOptions(token.command('create').description('create a token and print it once'), 'its storage and roles')
    .requiredOption('--role <role>', 'viewer, operator, admin or a role of the configuration')
    .option('--name <name>', 'who or what uses it (default: the role and the date)')
    .option('--expires <duration>', 'lifetime, e.g. 30d, 12h (default: never)', durationArgument('--expires'))
    .action(async (flags: CreateTokenFlags) => {
      await (await run()).tokenCreate(flags, deps);
    });

  dataLocationOptions(token.command('list').description('list tokens: id, name, role, created, expires, last used, revoked (never a secret)'), 'its storage and roles').action(async (flags: TokenFlags) => {
    await (await run()).tokenList(flags, deps);
  });

  dataLocationOptions(token.command('revoke').description('revoke a token by id (the prefix `token list` shows); its sessions end too'), 'its storage and roles')
    .argument('<id>', 'the token id')
    .action(async (id: string, flags: TokenFlags) => {
      await (await run()).tokenRevoke(id, flags, deps);
    });
}
