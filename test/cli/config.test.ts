import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runConfigCheck } from '../../src/cli/commands/config-check.js';
import { releaseMigrations } from '../../src/cli/commands/migration-reader.js';
import { migrationStatus } from '../../src/storage/migrations/status.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'bulwark-config-cli-'));
const dir = join(root, 'config');
mkdirSync(dir);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bulwark config check', () => {
  it('passes a valid deployment: config, secrets, storage; migrations reported', async () => {
    writeFileSync(join(dir, 'default.yaml'), `dataDir: ${JSON.stringify(join(root, 'data'))}\n`);
    writeFileSync(join(dir, 'prod.yaml'), 'storage:\n  kind: postgres\n  postgresUrl: postgres://bot:s3cretpw@db/x\n');
    const lines: string[] = [];
    const { exitCode, result } = await runConfigCheck({
      dir,
      env: 'prod',
      environment: {},
      color: false,
      out: (l) => lines.push(l),
      probes: { postgres: async () => undefined, migrations: async () => ({ pending: [], changed: [], unknown: [] }) },
    });
    expect(exitCode).toBe(0);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['config:ok', 'secrets:ok', 'data:ok', 'storage:ok', 'migrations:ok']);
    expect(lines.at(-1)).toBe('deployment prod is ready');
  });

  it('fails with the issues listed when config is invalid or secrets are missing', async () => {
    writeFileSync(join(dir, 'live.yaml'), 'features:\n  liveTrading: true\nserver:\n  port: -1\n');
    const lines: string[] = [];
    const { exitCode, result } = await runConfigCheck({ dir, env: 'live', environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(1);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['config:failed', 'secrets:failed']);
    const text = lines.join('\n');
    expect(text).toContain(`server.port (from ${join(dir, 'live.yaml')}): Too small`);
    expect(text).toContain('missing: exchange.apiKey, exchange.secret');
  });

  it('fails when storage is unreachable, without printing the password of its URL', async () => {
    const lines: string[] = [];
    const { exitCode, result } = await runConfigCheck({
      dir,
      env: 'prod',
      environment: {},
      color: false,
      out: (l) => lines.push(l),
      probes: {
        postgres: async (url) => Promise.reject(new Error(`connect ECONNREFUSED ${url}`)),
        migrations: async () => ({ pending: [], changed: [], unknown: [] }),
      },
    });
    expect(exitCode).toBe(1);
    expect(result.steps.find((s) => s.name === 'storage')).toMatchObject({ status: 'failed' });
    expect(result.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'skipped', detail: 'storage unreachable' });
    expect(lines.join('\n')).not.toContain('s3cretpw');
  });

  it('asks each PostgreSQL replica too: one that does not answer fails its own step, naming its key and not its password', async () => {
    writeFileSync(join(dir, 'replicas.yaml'), 'storage:\n  kind: postgres\n  postgresUrl: postgres://bot:s3cretpw@db-a/x\n  postgresReplicaUrls:\n    - postgres://bot:s3cretpw@db-b/x\n    - postgres://bot:s3cretpw@db-c/x\n');
    const asked: string[] = [];
    const { exitCode, result } = await runConfigCheck({
      dir,
      env: 'replicas',
      environment: {},
      color: false,
      out: () => undefined,
      probes: {
        postgres: async (url) => {
          asked.push(new URL(url).hostname);
          if (url.includes('db-c')) throw new Error(`connect ECONNREFUSED ${url}`);
        },
        migrations: async () => ({ pending: [], changed: [], unknown: [] }),
      },
    });
    expect(asked).toEqual(['db-a', 'db-b', 'db-c']);
    expect(exitCode).toBe(1);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['config:ok', 'secrets:ok', 'data:ok', 'storage:ok', 'replicas:failed', 'migrations:ok']);
    const replicas = result.steps.find((s) => s.name === 'replicas');
    expect(replicas?.detail).toMatch(/^storage\.postgresReplicaUrls\.1 \(from .*replicas\.yaml\): connect ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain('s3cretpw');
  });
});

describe('bulwark config check: migrations read from the real SQLite database', () => {
  it('a fresh data directory: every migration pending (run at start-up), nothing created', async () => {
    const dataDir = join(root, 'fresh');
    writeFileSync(join(dir, 'fresh.yaml'), `dataDir: ${JSON.stringify(dataDir)}\n`);
    const { exitCode, result } = await runConfigCheck({ dir, env: 'fresh', environment: {}, color: false, out: () => undefined });
    expect(exitCode).toBe(0);
    const step = result.steps.find((s) => s.name === 'migrations');
    expect(step?.status).toBe('ok');
    expect(step?.detail).toMatch(/^\d+ pending, applied at start-up: storage-001/);
    expect(existsSync(join(dataDir, 'bulwark.db'))).toBe(false);
  });

  it('a migrated database is current; one that a newer release migrated fails, naming the migration', async () => {
    const dataDir = join(root, 'migrated');
    writeFileSync(join(dir, 'migrated.yaml'), `dataDir: ${JSON.stringify(dataDir)}\n`);
    const storage = await sqliteStorage({ dataDir });
    await storage.migrate(releaseMigrations);
    await storage.close();
    const current = await runConfigCheck({ dir, env: 'migrated', environment: {}, color: false, out: () => undefined });
    expect(current.result.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'ok', detail: 'current' });

    const newer = await sqliteStorage({ dataDir });
    await newer.migrate([...releaseMigrations, { id: 'storage-999-from-the-future', up: 'CREATE TABLE future (x INTEGER)' }]);
    await newer.close();
    const { exitCode, result } = await runConfigCheck({ dir, env: 'migrated', environment: {}, color: false, out: () => undefined });
    expect(exitCode).toBe(1);
    expect(result.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'failed' });
    expect(result.steps.find((s) => s.name === 'migrations')?.detail).toContain('storage-999-from-the-future');
  });

  it('a migration whose SQL changed after it was applied fails the check', async () => {
    const status = await (async () => {
      const dataDir = join(root, 'changed');
      const storage = await sqliteStorage({ dataDir, migrate: false });
      await storage.migrate([{ id: 'x-001', up: 'CREATE TABLE t (a INTEGER)' }]);
      const s = await migrationStatus(storage, [{ id: 'x-001', up: 'CREATE TABLE t (a INTEGER, b INTEGER)' }]);
      await storage.close();
      return s;
    })();
    expect(status).toEqual({ pending: [], changed: ['x-001'], unknown: [] });
  });
});

describe('bulwark config check FILE', () => {
  it('checks the named file: errors name the file, the key and the reason; exit 1', async () => {
    const file = join(root, 'it.yaml');
    writeFileSync(file, 'storage:\n  kind: postgres\nshutdown:\n  readyDelayMs: 1e15\nserver:\n  host: 0.0.0.0\n');
    const lines: string[] = [];
    const { exitCode, result } = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(1);
    expect(result.steps[0]).toMatchObject({ name: 'config', status: 'failed' });
    const text = lines.join('\n');
    expect(text).toContain(`storage.postgresUrl (from ${file}): required when storage.kind is "postgres"`);
    expect(text).toContain(`shutdown.readyDelayMs (from ${file}): past Node's timer range`);
    expect(text).toContain(`server.host (from ${file}): refusing to listen on 0.0.0.0: it is not a loopback address and no authentication is configured`);
    expect(text).not.toContain('(from defaults)');
  });

  it('refuses a data directory that cannot be created, naming the key and where it was set', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const file = join(root, 'blocked.yaml');
    writeFileSync(file, `dataDir: ${JSON.stringify(join(blocker, 'data'))}\n`);
    const lines: string[] = [];
    const { exitCode, result } = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(1);
    expect(result.steps.find((s) => s.name === 'data')).toMatchObject({ status: 'failed' });
    expect(result.steps.find((s) => s.name === 'data')!.detail).toBe(`dataDir (from ${file}): data directory ${join(blocker, 'data')} cannot be created: ${blocker} is a file, not a folder`);
    expect(result.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'skipped' });
  });

  it('refuses chaos.proxies while features.chaos is off, naming the key', async () => {
    const file = join(root, 'chaos.yaml');
    writeFileSync(file, `dataDir: ${JSON.stringify(join(root, 'chaos-data'))}\nchaos:\n  proxies:\n    - { name: pg, listen: ':47881', upstream: '127.0.0.1:5432' }\n`);
    const lines: string[] = [];
    const { exitCode } = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(1);
    expect(lines.join('\n')).toContain(`chaos.proxies (from ${file}): only used when features.chaos is on`);
  });

  it('a file that does not exist fails, naming it', async () => {
    const lines: string[] = [];
    const file = join(root, 'missing.yaml');
    const { exitCode } = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(1);
    expect(lines.join('\n')).toContain(`(root) (from ${file}): cannot read file: it does not exist`);
  });

  it('lists the pending migrations one per line', async () => {
    const file = join(root, 'pending.yaml');
    writeFileSync(file, `dataDir: ${JSON.stringify(join(root, 'pending-data'))}\n`);
    const lines: string[] = [];
    const { exitCode } = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: (l) => lines.push(l) });
    expect(exitCode).toBe(0);
    const at = lines.indexOf('pending migrations:');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toMatch(/^ {2}- storage-001/);
  });

  it('calls the exchange public endpoint when an exchange is configured, and fails when it does not answer', async () => {
    const file = join(root, 'exchange.yaml');
    writeFileSync(file, `dataDir: ${JSON.stringify(join(root, 'ex-data'))}\nexchange:\n  id: binance\n  url: http://127.0.0.1:9\n`);
    const ok = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: () => undefined, probes: { exchange: async () => 'binance answers' } });
    expect(ok.result.steps.find((s) => s.name === 'exchange')).toMatchObject({ status: 'ok', detail: 'binance answers' });
    const down = await runConfigCheck({ file, dir: join(root, 'no-config-folder'), environment: {}, color: false, out: () => undefined });
    expect(down.exitCode).toBe(1);
    expect(down.result.steps.find((s) => s.name === 'exchange')).toMatchObject({ status: 'failed' });
    expect(down.result.steps.find((s) => s.name === 'exchange')!.detail).toMatch(new RegExp(`^exchange \\(from ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): `));
  });
});
