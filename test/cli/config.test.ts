import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runConfigCheck } from '../../src/cli/commands/config.js';

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
      probes: { postgres: async () => undefined, pendingMigrations: async () => [] },
    });
    expect(exitCode).toBe(0);
    expect(result.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['config:ok', 'secrets:ok', 'storage:ok', 'migrations:ok']);
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
        pendingMigrations: async () => [],
      },
    });
    expect(exitCode).toBe(1);
    expect(result.steps.find((s) => s.name === 'storage')).toMatchObject({ status: 'failed' });
    expect(result.steps.find((s) => s.name === 'migrations')).toMatchObject({ status: 'skipped', detail: 'storage unreachable' });
    expect(lines.join('\n')).not.toContain('s3cretpw');
  });
});
