/**
 * What `bulwark audit rekey --new-key-file F` runs: rotates the service key. The audit chain is
 * checked under the current key and chained again under the new one in one transaction
 * (security/audit-rekey.ts); only after it commits is the key file swapped: the new key first, the
 * old ones kept after it as previous keys (they still check older backups). The new key file is
 * written next to the old one as `<name>.next` (mode 0600) before the transaction and renamed over
 * it after: interrupted before the commit, nothing changed (the `.next` file is dropped by the next
 * run); interrupted between the commit and the rename, the next run sees the chain verifies under
 * the `.next` key and finishes the rename.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { sanitizeText } from '../../core/secrets.js';
import { auditLog } from '../../security/audit-log.js';
import { AuditRekeyRefusedError, rekeyAuditLog } from '../../security/audit-rekey.js';
import { SERVER_KEY_DEFAULTS, keyFileText, loadServerKey, readKeyFileKeys, readServerKeyFile, writeKeyFileAtomic } from '../../security/server-key.js';
import { locateData, openDataStorage } from '../data-location.js';
import type { AuditCommandDeps, RekeyFlags } from './audit.js';

/** Reads the new key, or makes it (32 random bytes, mode 0600) when the file does not exist yet. */
function newKeyFrom(file: string): void {
  if (existsSync(file)) return;
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
}

export async function auditRekey(flags: RekeyFlags, deps: AuditCommandDeps): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const env = deps.env ?? process.env;
  const setExitCode = deps.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const fromEnv = env.BULWARK_SECURITY_KEY !== undefined && env.BULWARK_SECURITY_KEY !== '';
  const keyFile = location.keyFile ?? join(location.dataDir, SERVER_KEY_DEFAULTS.fileName);
  const pending = `${keyFile}.next`;
  const storage = await openDataStorage(location, { migrate: false });
  try {
    if (!(await storage.one('SELECT seq FROM audit_head WHERE id = 1').catch(() => undefined))) throw new Error('no audit log in this database: the service has not started with one yet');

    // A rotation that committed but did not swap the file: its chain verifies under the pending key.
    if (!fromEnv && existsSync(pending)) {
      const next = readServerKeyFile(pending);
      const report = await (await auditLog(storage, { key: next, migrate: false })).verify();
      if (report.ok) {
        renameSync(pending, keyFile);
        stdout.write(`Finished an interrupted rekey: ${basename(keyFile)} now holds ${next.id}. Restart every instance of the service.\n`);
        return;
      }
      rmSync(pending, { force: true });
    }

    const current = loadServerKey({ dataDir: location.dataDir, file: keyFile, env, create: false });
    newKeyFrom(flags.newKeyFile);
    const next = readServerKeyFile(flags.newKeyFile);
    if (next.id === current.id) throw new Error(`${basename(flags.newKeyFile)}: holds the current key (${current.id}); give a new key`);
    // Written before the transaction, renamed after it: the file swap never runs ahead of the database.
    if (!fromEnv) writeKeyFileAtomic(pending, keyFileText(readKeyFileKeys(flags.newKeyFile)[0]!, readKeyFileKeys(keyFile)));
    let result;
    try {
      result = await rekeyAuditLog(storage, { from: current, to: next, actor: `cli:${userInfo().username}`, actorKind: 'local', source: hostname() });
    } catch (error) {
      rmSync(pending, { force: true });
      throw error;
    }
    if (!fromEnv) {
      chmodSync(pending, 0o600);
      renameSync(pending, keyFile);
    }
    if (flags.json) {
      stdout.write(`${JSON.stringify({ fromKeyId: result.fromKeyId, toKeyId: result.toKeyId, entries: result.entries, checkpoints: result.checkpoints, seq: result.entry.seq, keyFileSwapped: !fromEnv })}\n`);
      return;
    }
    stdout.write(`Audit log rekeyed from ${result.fromKeyId} to ${result.toKeyId}: ${result.entries} entries and ${result.checkpoints} checkpoints chained again; security.rekey recorded at seq ${result.entry.seq}.\n`);
    stdout.write(
      fromEnv
        ? `BULWARK_SECURITY_KEY is set: set it to the key in ${basename(flags.newKeyFile)} and add the old key to BULWARK_SECURITY_PREVIOUS_KEYS, then restart every instance of the service.\n`
        : `${basename(keyFile)} now holds ${result.toKeyId} (current) and keeps ${result.fromKeyId} as a previous key. Restart every instance of the service.\n`,
    );
  } catch (error) {
    if (!(error instanceof AuditRekeyRefusedError)) throw error;
    stdout.write(`${sanitizeText(error.message)}.\n`);
    setExitCode(1);
  } finally {
    await storage.close();
  }
}
