/** What `bulwark audit ...` runs (see audit.ts); loaded only when one of its subcommands runs. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { hostname, userInfo } from 'node:os';
import { sanitizeText } from '../../core/secrets.js';
import { type AuditLog, type AuditRecord, type ChainReport, auditLog } from '../../security/audit-log.js';
import { loadServerKey } from '../../security/server-key.js';
import type { Storage } from '../../storage/types.js';
import { locateData, openDataStorage } from '../data-location.js';
import { parseTime } from '../flags.js';
import type { AuditCommandDeps, AuditFlags, ExportFlags } from './audit.js';

export { parseTime } from '../flags.js';

/** The service's database and key, as the flags name them; nothing is created. */
export async function openAudit(flags: AuditFlags, env: NodeJS.ProcessEnv): Promise<{ audit: AuditLog; storage: Storage }> {
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  let keyFile: string | undefined;
  if (flags.config !== undefined) {
    const { loadConfig } = await import('../../config/loader.js');
    keyFile = loadConfig({ file: flags.config, environment: env }).config.security.keyFile;
  }
  const key = loadServerKey({ dataDir: location.dataDir, ...(keyFile ? { file: keyFile } : {}), env, create: false });
  const storage = await openDataStorage(location, { migrate: false });
  try {
    if (!(await storage.one("SELECT seq FROM audit_head WHERE id = 1").catch(() => undefined))) throw new Error('no audit log in this database: the service has not started with one yet');
    return { audit: await auditLog(storage, { key, migrate: false }), storage };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

function io(deps: AuditCommandDeps) {
  return {
    stdout: deps.stdout ?? process.stdout,
    env: deps.env ?? process.env,
    setExitCode: deps.setExitCode ?? ((code: number) => void (process.exitCode = code)),
  };
}

function reportText(report: ChainReport): string {
  const checkpoint = report.checkpoint ? `; checkpoint at seq ${report.checkpoint.seq} (${new Date(report.checkpoint.time).toISOString()})` : '; no checkpoint yet';
  if (report.ok) return `Audit log intact: ${report.entries} entries, head seq ${report.head.seq}${checkpoint}.\n`;
  const b = report.broken!;
  return `Audit log BROKEN at seq ${b.seq} (${b.kind}): ${b.detail}.\nEntries 1 to ${report.head.seq} verify${checkpoint}.\n`;
}

export async function auditVerify(flags: AuditFlags, deps: AuditCommandDeps): Promise<void> {
  const { stdout, env, setExitCode } = io(deps);
  const { audit, storage } = await openAudit(flags, env);
  let report: ChainReport;
  try {
    report = await audit.verify();
  } finally {
    await storage.close();
  }
  stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  if (!report.ok) setExitCode(1);
}

export async function auditExport(flags: ExportFlags, deps: AuditCommandDeps): Promise<void> {
  const { stdout, env } = io(deps);
  const now = Date.now();
  const since = flags.since !== undefined ? parseTime('--since', flags.since, now) : undefined;
  const until = flags.until !== undefined ? parseTime('--until', flags.until, now) : undefined;
  const { audit, storage } = await openAudit(flags, env);
  const file = flags.out !== undefined ? createWriteStream(flags.out, { flags: 'wx', mode: 0o600 }) : undefined;
  const out = file ?? stdout;
  let count = 0;
  try {
    for await (const entry of audit.entries({ ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(flags.actor ? { actor: flags.actor } : {}), ...(flags.action ? { action: flags.action } : {}) })) {
      if (!out.write(`${JSON.stringify(entry)}\n`) && file) await once(file, 'drain');
      count += 1;
    }
  } finally {
    await storage.close();
    if (file) {
      file.end();
      await once(file, 'close');
    }
  }
  if (file) stdout.write(flags.json ? `${JSON.stringify({ out: flags.out, entries: count })}\n` : `Exported ${count} audit entr${count === 1 ? 'y' : 'ies'} to ${flags.out}.\n`);
}

/**
 * Records an action of the command line (a restore) in the service's audit log, as the local user.
 * A log that cannot be written is said on stderr: the action stands, its record is missing.
 */
export async function recordCommand(flags: AuditFlags, record: Omit<AuditRecord, 'actor' | 'actorKind'>, io: { env: NodeJS.ProcessEnv; stderr: { write(chunk: string): unknown } }): Promise<void> {
  try {
    const { audit, storage } = await openAudit(flags, io.env);
    try {
      await audit.append({ ...record, actor: `cli:${userInfo().username}`, actorKind: 'local', source: hostname() });
      await audit.checkpoint();
    } finally {
      await storage.close();
    }
  } catch (error) {
    io.stderr.write(`warning: not recorded in the audit log: ${sanitizeText(error instanceof Error ? error.message : String(error))}\n`);
  }
}
