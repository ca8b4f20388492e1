import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAudit } from '../../../src/cli/commands/audit.js';
import { registerBackup } from '../../../src/cli/commands/backup.js';
import { auditLog } from '../../../src/security/audit-log.js';
import { parseTime } from '../../../src/cli/commands/audit-run.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { filledLog, testKey } from '../../security/audit-tampering.js';
import { tempDir } from '../../storage/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const START = 1_700_000_000_000;
const env = { BULWARK_SECURITY_KEY: 'ab'.repeat(32) };

/** A data directory whose database holds six entries one second apart from START, checkpointed. */
async function setup() {
  const temp = tempDir('bulwark-audit-cli-');
  cleanups.push(temp.remove);
  const storage = await sqliteStorage({ path: join(temp.dir, 'bulwark.db') });
  await filledLog(storage);
  await storage.close();
  const exitCodes: number[] = [];
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const program = new Command('bulwark').exitOverride();
    registerAudit(program, { stdout: { write: (s: string) => out.push(s) }, env, setExitCode: (code) => exitCodes.push(code) });
    await program.parseAsync(['node', 'bulwark', 'audit', ...args, '--data-dir', temp.dir]);
    return out.join('');
  };
  return { dir: temp.dir, db: join(temp.dir, 'bulwark.db'), exitCodes, run };
}

describe('bulwark audit verify', () => {
  it('reports an intact log and exits 0', async () => {
    const s = await setup();
    expect(await s.run('verify')).toMatch(/^Audit log intact: 6 entries, head seq 6; checkpoint at seq 6/);
    expect(s.exitCodes).toEqual([]);
  });

  it('names the first broken entry and its kind, and exits 1', async () => {
    const s = await setup();
    const storage = await sqliteStorage({ path: s.db });
    await storage.run('DELETE FROM audit_log WHERE seq = 4');
    await storage.close();
    expect(await s.run('verify')).toContain('Audit log BROKEN at seq 4 (deleted)');
    const json = JSON.parse(await s.run('verify', '--json')) as { ok: boolean; broken: { seq: number; kind: string } };
    expect(json).toMatchObject({ ok: false, broken: { seq: 4, kind: 'deleted' } });
    expect(s.exitCodes).toEqual([1, 1]);
  });

  it('refuses without the key rather than make one', async () => {
    const s = await setup();
    const program = new Command('bulwark').exitOverride();
    registerAudit(program, { stdout: { write: () => undefined }, env: {} });
    await expect(program.parseAsync(['node', 'bulwark', 'audit', 'verify', '--data-dir', s.dir])).rejects.toThrow(/security\.key: no security key/);
  });

  it('refuses a data directory without a database', async () => {
    const temp = tempDir('bulwark-audit-empty-');
    cleanups.push(temp.remove);
    const program = new Command('bulwark').exitOverride();
    registerAudit(program, { stdout: { write: () => undefined }, env });
    await expect(program.parseAsync(['node', 'bulwark', 'audit', 'verify', '--data-dir', temp.dir])).rejects.toThrow(/no database \(bulwark\.db\)/);
  });
});

describe('bulwark audit export', () => {
  it('writes JSON lines between --since and --until, oldest first', async () => {
    const s = await setup();
    const out = await s.run('export', '--since', new Date(START + 1_000).toISOString(), '--until', String(START + 4_000));
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; hash: string; actor: string });
    expect(lines.map((l) => l.seq)).toEqual([2, 3, 4]);
    expect(lines[0]).toMatchObject({ actor: 'system', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('writes to --out FILE and says how many', async () => {
    const s = await setup();
    const file = join(s.dir, 'audit.jsonl');
    expect(await s.run('export', '--actor', 'alice', '--out', file)).toBe(`Exported 3 audit entries to ${file}.\n`);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(3);
  });

  it('reads times as ISO dates, milliseconds or ages', () => {
    expect(parseTime('--since', '24h', 100_000_000)).toBe(100_000_000 - 86_400_000);
    expect(parseTime('--since', '1700000000000', 0)).toBe(1_700_000_000_000);
    expect(parseTime('--since', '2026-01-01T00:00:00Z', 0)).toBe(Date.UTC(2026, 0, 1));
    expect(() => parseTime('--until', 'yesterday', 0)).toThrow('--until: "yesterday" is not a time');
  });
});

describe('bulwark backup restore', () => {
  it('records the restore in the service\'s audit log as the local user, and the chain still verifies', async () => {
    const s = await setup();
    const file = join(s.dir, 'notes.txt');
    writeFileSync(file, 'before');
    const backup = async (...args: string[]) => {
      const program = new Command('bulwark').exitOverride();
      const err: string[] = [];
      registerBackup(program, { stdout: { write: () => undefined }, stderr: { write: (t: string) => err.push(t) }, env });
      await program.parseAsync(['node', 'bulwark', 'backup', ...args, '--data-dir', s.dir]);
      return err.join('');
    };
    await backup('create', '--data', file, '--tag', 'x');
    writeFileSync(file, 'after');
    expect(await backup('restore', 'latest', '--data', file)).toBe('');
    const storage = await sqliteStorage({ path: s.db });
    const audit = await auditLog(storage, { key: testKey(), migrate: false });
    const [last] = await audit.list({ limit: 1 });
    expect(last).toMatchObject({ seq: 7, action: 'backup.restore', actor: expect.stringMatching(/^cli:/), actorKind: 'local', after: { changed: 1 }, tags: ['data-recovery'] });
    expect((await audit.verify()).ok).toBe(true);
    await storage.close();
  });
});
