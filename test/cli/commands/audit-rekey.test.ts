import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAudit } from '../../../src/cli/commands/audit.js';
import { registerBackup } from '../../../src/cli/commands/backup.js';
import { rekeyAuditLog } from '../../../src/security/audit-rekey.js';
import { keyFileText, parseServerKey } from '../../../src/security/server-key.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { filledLog, testKey } from '../../security/audit-tampering.js';
import { tempDir } from '../../storage/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const OLD = 'ab'.repeat(32);
const NEW = 'cd'.repeat(32);

/** A data directory with its key file (the old key) and six audit entries chained under it. */
async function setup() {
  const temp = tempDir('bulwark-rekey-cli-');
  cleanups.push(temp.remove);
  writeFileSync(join(temp.dir, 'security.key'), `${OLD}\n`, { mode: 0o600 });
  const storage = await sqliteStorage({ path: join(temp.dir, 'bulwark.db') });
  await filledLog(storage);
  await storage.close();
  writeFileSync(join(temp.dir, 'new.key'), `${NEW}\n`, { mode: 0o600 });
  const exitCodes: number[] = [];
  const run = async (env: NodeJS.ProcessEnv, ...args: string[]) => {
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerAudit(program, { stdout: { write: (s: string) => out.push(s) }, env, setExitCode: (code) => exitCodes.push(code) });
    await program.parseAsync(['node', 'bulwark', 'audit', ...args, '--data-dir', temp.dir]);
    return out.join('');
  };
  return { dir: temp.dir, keyFile: join(temp.dir, 'security.key'), newKeyFile: join(temp.dir, 'new.key'), exitCodes, run };
}

const oldId = () => testKey().id;
const newId = () => parseServerKey(NEW, 'new.key').id;

describe('bulwark audit rekey', () => {
  it('rechains the log, then swaps the key file (new key first, old kept as previous, mode 0600); verify passes with the new key only', async () => {
    const s = await setup();
    const out = await s.run({}, 'rekey', '--new-key-file', s.newKeyFile);
    expect(out).toContain(`Audit log rekeyed from ${oldId()} to ${newId()}: 6 entries and 1 checkpoints chained again; security.rekey recorded at seq 7.`);
    expect(out).toContain('Restart every instance of the service.');
    expect(out).not.toContain(NEW);
    const lines = readFileSync(s.keyFile, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toEqual([NEW, OLD]);
    expect(statSync(s.keyFile).mode & 0o777).toBe(0o600);
    expect(existsSync(`${s.keyFile}.next`)).toBe(false);

    expect(await s.run({}, 'verify')).toMatch(/^Audit log intact: 7 entries, head seq 7/);
    expect(await s.run({ BULWARK_SECURITY_KEY: OLD }, 'verify')).toContain('Audit log BROKEN at seq 1 (edited)');
    expect(s.exitCodes).toEqual([1]);
  });

  it('refuses a tampered chain, naming the first broken entry; the key file and the log are unchanged', async () => {
    const s = await setup();
    const storage = await sqliteStorage({ path: join(s.dir, 'bulwark.db') });
    await storage.run("UPDATE audit_log SET action = 'edited' WHERE seq = 2");
    await storage.close();
    expect(await s.run({}, 'rekey', '--new-key-file', s.newKeyFile)).toContain('the audit log is broken at seq 2 (edited)');
    expect(s.exitCodes).toEqual([1]);
    expect(readFileSync(s.keyFile, 'utf8')).toBe(`${OLD}\n`);
    expect(existsSync(`${s.keyFile}.next`)).toBe(false);
    expect(await s.run({}, 'verify')).toContain('BROKEN at seq 2 (edited)');
  });

  it('finishes a rotation interrupted between the commit and the key file swap', async () => {
    const s = await setup();
    const storage = await sqliteStorage({ path: join(s.dir, 'bulwark.db') });
    await rekeyAuditLog(storage, { from: testKey(), to: parseServerKey(NEW, 'new.key') });
    await storage.close();
    writeFileSync(`${s.keyFile}.next`, keyFileText(Buffer.from(NEW, 'hex'), [Buffer.from(OLD, 'hex')]), { mode: 0o600 });
    expect(await s.run({}, 'rekey', '--new-key-file', s.newKeyFile)).toContain(`Finished an interrupted rekey: security.key now holds ${newId()}`);
    expect(await s.run({}, 'verify')).toMatch(/^Audit log intact: 7 entries/);
  });

  it('makes the new key file (mode 0600) when it does not exist', async () => {
    const s = await setup();
    const made = join(s.dir, 'made.key');
    await s.run({}, 'rekey', '--new-key-file', made);
    expect(statSync(made).mode & 0o777).toBe(0o600);
    expect(readFileSync(s.keyFile, 'utf8')).toContain(readFileSync(made, 'utf8').trim());
    expect(await s.run({}, 'verify')).toMatch(/^Audit log intact/);
  });

  it('bulwark backup verify: a backup from before the rotation names the previous key that signed it, and is refused once that key is dropped', async () => {
    const s = await setup();
    const file = join(s.dir, 'state.txt');
    writeFileSync(file, 'before');
    const backup = async (...args: string[]) => {
      const out: string[] = [];
      const program = new Command('bulwark').exitOverride();
      registerBackup(program, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => undefined }, env: {} });
      await program.parseAsync(['node', 'bulwark', 'backup', ...args, '--data-dir', s.dir]);
      return out.join('');
    };
    await backup('create', '--data', file);
    await s.run({}, 'rekey', '--new-key-file', s.newKeyFile);
    expect(await backup('verify', 'latest')).toContain(`manifest signed by ${oldId()}`);
    writeFileSync(s.keyFile, `${NEW}\n`, { mode: 0o600 });
    await expect(backup('verify', 'latest')).rejects.toThrow(`manifest.json (manifest-signature-mismatch: signed by ${oldId()}, not a known key)`);
  });
});
