import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerToken } from '../../../src/cli/commands/token.js';
import { sqliteStorage } from '../../../src/storage/sqlite.js';
import { tokenStore } from '../../../src/security/tokens.js';
import { tempDir } from '../../storage/helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const NOW = Date.UTC(2026, 0, 1);

function cli(dataDir: string) {
  return async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('bulwark').exitOverride();
    program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
    registerToken(program, { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, now: () => NOW });
    await program.parseAsync(['node', 'bulwark', 'token', ...args, '--data-dir', dataDir]);
    return { out: out.join(''), err: err.join('') };
  };
}

describe('bulwark token', () => {
  it('create prints the token once, in a fresh data directory; it verifies against the stored hash', async () => {
    const temp = tempDir('bulwark-token-cli-');
    cleanups.push(temp.remove);
    const run = cli(temp.dir);
    const created = await run('create', '--role', 'admin', '--name', 'alice', '--expires', '30d');
    const token = created.out.trim();
    expect(token).toMatch(/^bwk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/"alice" \(admin, expires 2026-01-31T00:00:00Z\): shown once/);
    const storage = await sqliteStorage({ path: join(temp.dir, 'bulwark.db') });
    try {
      expect(await tokenStore(storage, { clock: { now: () => NOW, sleep: async () => undefined } }).verify(token)).toMatchObject({ name: 'alice', role: 'admin', expiresAt: NOW + 30 * 86_400_000 });
    } finally {
      await storage.close();
    }
  });

  it('list never shows a secret; revoke marks the token; --json', async () => {
    const temp = tempDir('bulwark-token-cli-');
    cleanups.push(temp.remove);
    const run = cli(temp.dir);
    const token = (await run('create', '--role', 'viewer', '--name', 'grafana')).out.trim();
    const id = token.split('_')[1]!;
    const listed = await run('list');
    expect(listed.out).toContain(id);
    expect(listed.out).toContain('grafana');
    expect(listed.out).not.toContain(token.split('_').slice(2).join('_'));
    expect((await run('revoke', id)).out).toBe(`Revoked token ${id} "grafana"; its sessions end with it.\n`);
    const json = JSON.parse((await run('list', '--json')).out) as Array<{ id: string; revokedAt: string | null }>;
    expect(json).toEqual([expect.objectContaining({ id, revokedAt: '2026-01-01T00:00:00Z' })]);
    expect(JSON.stringify(json)).not.toMatch(/hash|salt|token"/);
  });

  it('refuses an unknown role, a bad duration, an unknown id, and list where no service ran', async () => {
    const temp = tempDir('bulwark-token-cli-');
    cleanups.push(temp.remove);
    const run = cli(temp.dir);
    await expect(run('list')).rejects.toThrow(/--data-dir: no database \(bulwark\.db\) in .*start the service first/);
    await expect(run('create', '--role', 'root')).rejects.toThrow(/^role: no role named "root"/);
    await expect(run('create', '--role', 'admin', '--expires', 'soon')).rejects.toThrow(/--expires: "soon" is not a duration: a whole number greater than 0 and a unit/);
    await run('create', '--role', 'admin');
    await expect(run('revoke', '0123456789ab')).rejects.toThrow('no token with id "0123456789ab"');
  });
});
