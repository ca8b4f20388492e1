import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSecrets, type SecretsCommandDeps } from '../../../src/cli/commands/secrets.js';
import { keyring, loadKeyring, readKekFile } from '../../../src/security/kek.js';
import { secretStore } from '../../../src/security/secret-store.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { tempDir } from '../../storage/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function folder(): string {
  const temp = tempDir('bulwark-secrets-cli-');
  cleanups.push(temp.remove);
  return temp.dir;
}

/** Runs `bulwark secrets ARGS` in-process with `stdin` as its input; returns stdout and stderr. */
async function run(args: string[], stdin: SecretsCommandDeps['stdin'] = Readable.from([]), env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('bulwark').exitOverride();
  program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerSecrets(program, { stdin, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env });
  await program.parseAsync(['node', 'bulwark', 'secrets', ...args]);
  return { out: out.join(''), err: err.join('') };
}

const VALUE = 'sk-live-cli-7c1d9e2f';

describe('bulwark secrets', () => {
  it('set reads the value from stdin, makes the key file (0600) on first use, and list shows no value', async () => {
    const dir = folder();
    const set = await run(['set', 'binance-secret', '--data-dir', dir], Readable.from([`${VALUE}\n`]));
    expect(set.out).toMatch(/^Stored secret "binance-secret" \(version 1, key kek-[0-9a-f]{16}\); reference it as secret:binance-secret\n$/);
    const keyFile = join(dir, 'secrets.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const list = await run(['list', '--data-dir', dir, '--json']);
    const [entry] = JSON.parse(list.out) as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({ name: 'binance-secret', version: 1, kekIds: [readKekFile(keyFile).id] });
    expect(list.out + set.out + set.err).not.toContain(VALUE);
    // The trailing newline of the pipe is not part of the value.
    const storage = await sqliteStorage({ path: join(dir, 'bulwark.db') });
    try {
      expect(await secretStore(storage, { keyring: loadKeyring({ dataDir: dir }) }).get('binance-secret')).toBe(VALUE);
    } finally {
      await storage.close();
    }
  });

  it('set from a terminal prompts with echo off and takes the typed line', async () => {
    const dir = folder();
    const tty = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[], setRawMode(mode: boolean) {
      this.rawModes.push(mode);
      return this;
    } });
    const running = run(['set', 'kraken-key', '--data-dir', dir], tty);
    tty.write('ab');
    tty.write('x\u007fc-typed-value\r');
    const { out, err } = await running;
    expect(err).toBe('value for kraken-key: \n');
    expect(out).toContain('Stored secret "kraken-key"');
    expect(tty.rawModes).toEqual([true, false]);
    const storage = await sqliteStorage({ path: join(dir, 'bulwark.db') });
    try {
      expect(await secretStore(storage, { keyring: loadKeyring({ dataDir: dir }) }).get('kraken-key')).toBe('abc-typed-value');
    } finally {
      await storage.close();
    }
  });

  it('refuses an empty value and takes no value from the command line', async () => {
    const dir = folder();
    await expect(run(['set', 'empty-one', '--data-dir', dir], Readable.from(['\n']))).rejects.toThrow(/the secret value is empty/);
    await expect(run(['set', 'x-name', VALUE, '--data-dir', dir])).rejects.toThrow(/too many arguments/);
  });

  it('list, remove and rotate refuse a data directory without a database instead of creating one', async () => {
    const dir = join(folder(), 'none');
    await expect(run(['list', '--data-dir', dir])).rejects.toThrow(/--data-dir: no database \(bulwark\.db\) in .*; store a secret first/);
    await expect(run(['rotate', '--new-key-file', join(dir, 'n.key'), '--data-dir', dir])).rejects.toThrow(/no database \(bulwark\.db\) in/);
    expect(existsSync(dir)).toBe(false);
  });

  it('remove removes, and says so when the name is not stored', async () => {
    const dir = folder();
    await run(['set', 'webhook', '--data-dir', dir], Readable.from(['https://hooks.example/abc']));
    expect((await run(['remove', 'webhook', '--data-dir', dir])).out).toBe('Removed secret "webhook".\n');
    await expect(run(['remove', 'webhook', '--data-dir', dir])).rejects.toThrow(/secret "webhook" is not stored/);
    expect((await run(['list', '--data-dir', dir])).out).toBe('No secrets stored.\n');
  });

  it('rotate creates the new key file, re-wraps every secret, is a no-op when run again, and the new key alone reads them after', async () => {
    const dir = folder();
    for (const name of ['a-key', 'b-key', 'c-key']) await run(['set', name, '--data-dir', dir], Readable.from([`${name}-${VALUE}`]));
    const oldKek = readKekFile(join(dir, 'secrets.key'));
    const newFile = join(dir, 'next.key');
    const first = await run(['rotate', '--new-key-file', newFile, '--data-dir', dir]);
    const newKek = readKekFile(newFile);
    expect(statSync(newFile).mode & 0o777).toBe(0o600);
    expect(first.err).toContain(`created next.key with a new random key (${newKek.id})`);
    expect(first.out).toContain(`Rotated 3 secrets to key ${newKek.id} (3 wrapped, 3 old wraps dropped by this run).`);
    expect(first.out).toContain('make next.key the key the services read (security.secrets.keyFile, or BULWARK_SECRETS_KEY) in place of secrets.key');
    expect(first.out + first.err).not.toContain(dir);
    const again = JSON.parse((await run(['rotate', '--new-key-file', newFile, '--data-dir', dir, '--json'])).out) as Record<string, unknown>;
    expect(again).toEqual({ kekId: newKek.id, total: 3, wrapped: 0, dropped: 0, keyFile: 'next.key', created: false });
    const storage = await sqliteStorage({ path: join(dir, 'bulwark.db') });
    try {
      expect(await secretStore(storage, { keyring: keyring(newKek) }).get('b-key')).toBe(`b-key-${VALUE}`);
      await expect(secretStore(storage, { keyring: keyring(oldKek) }).get('b-key')).rejects.toThrow(new RegExp(`sealed under key-encryption key ${newKek.id}`));
    } finally {
      await storage.close();
    }
  });

  it('--config takes the storage and the key file from the configuration, and BULWARK_SECRETS_KEY wins over it', async () => {
    const dir = folder();
    const keyFile = join(dir, 'kek.b64');
    writeFileSync(keyFile, `${Buffer.alloc(32, 9).toString('base64')}\n`);
    const config = join(dir, 'bulwark.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nsecurity:\n  secrets:\n    keyFile: ${JSON.stringify(keyFile)}\n`);
    await run(['set', 'cfg-secret', '--config', config], Readable.from([VALUE]));
    expect(existsSync(join(dir, 'data', 'secrets.key'))).toBe(false);
    const listed = JSON.parse((await run(['list', '--config', config, '--json'])).out) as Array<{ kekIds: string[] }>;
    expect(listed[0]!.kekIds).toEqual([readKekFile(keyFile).id]);
    const envKey = Buffer.alloc(32, 3).toString('hex');
    const set = JSON.parse((await run(['set', 'env-secret', '--config', config, '--json'], Readable.from([VALUE]), { BULWARK_SECRETS_KEY: envKey })).out) as { kekIds: string[] };
    expect(set.kekIds).toEqual([loadKeyring({ env: { BULWARK_SECRETS_KEY: envKey } }).current!.id]);
    expect(readFileSync(keyFile, 'utf8')).toBe(`${Buffer.alloc(32, 9).toString('base64')}\n`);
  });
});
