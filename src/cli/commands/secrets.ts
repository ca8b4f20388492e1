/**
 * `bulwark secrets set NAME | list | remove NAME | rotate --new-key-file F`: the encrypted secrets
 * a configuration references as `secret:NAME` (security/secret-store.ts). Data is found the way
 * `bulwark start` finds it (`--config`, `--data-dir`, default ./.bulwark). A value is read from
 * stdin or a prompt with echo off, never from the command line, where `ps` would show it. The work
 * lives in secrets-run.ts, loaded only when a subcommand runs.
 */
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { dataLocationOptions } from '../data-location.js';

/** Where input and output go; injectable so the commands can be run and checked in-process. */
export interface SecretsCommandDeps {
  stdin?: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  env?: Readonly<Record<string, string | undefined>>;
}

export interface SecretsFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

export function registerSecrets(program: Command, deps: SecretsCommandDeps = {}): void {
  const run = async (): Promise<typeof import('./secrets-run.js')> => import('./secrets-run.js');
  const secrets = program.command('secrets').description('encrypted secrets for the configuration (secret:NAME): set, list, remove, rotate');

  dataLocationOptions(secrets.command('set').description('store a secret, read from stdin or a prompt (never from the command line); a new version when it exists'), 'its storage and key-encryption key')
    .argument('<name>', 'the secret name, as written in the configuration after "secret:"')
    // A value typed after the name would sit in the shell history and in `ps`: refused, not ignored.
    .allowExcessArguments(false)
    .action(async (name: string, flags: SecretsFlags) => {
      await (await run()).secretsSet(name, flags, deps);
    });

  dataLocationOptions(secrets.command('list').description('list the secrets: name, version, key-encryption key id, last set (never a value)'), 'its storage and key-encryption key').action(async (flags: SecretsFlags) => {
    await (await run()).secretsList(flags, deps);
  });

  dataLocationOptions(secrets.command('remove').description('remove a secret'), 'its storage and key-encryption key')
    .argument('<name>', 'the secret name')
    .action(async (name: string, flags: SecretsFlags) => {
      await (await run()).secretsRemove(name, flags, deps);
    });

  dataLocationOptions(secrets.command('rotate').description('re-wrap every secret under a new key-encryption key, one row at a time, while services keep reading'), 'its storage and key-encryption key')
    .requiredOption('--new-key-file <file>', 'the new key (created with a random key when it does not exist)')
    .action(async (flags: SecretsFlags & { newKeyFile: string }) => {
      await (await run()).secretsRotate(flags, deps);
    });
}
