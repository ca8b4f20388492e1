import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredUrl, runHealthCommand } from '../../src/cli/commands/health.js';
import { HealthRegistry } from '../../src/health/registry.js';
import { healthRoutes } from '../../src/server/routes/health.js';

const state = { db: true };
const app = Fastify();
let base = '';

beforeAll(async () => {
  const registry = new HealthRegistry({ defaultIntervalMs: 1 });
  registry.register({ name: 'postgres', measurement: 'connections', check: () => (state.db ? true : { status: 'down', message: 'refused' }) });
  await app.register(healthRoutes, { registry, exposeDetails: () => true });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app.close();
});

describe('bulwark health', () => {
  it('exits 0 when healthy and prints a table', async () => {
    state.db = true;
    const lines: string[] = [];
    const code = await runHealthCommand({ url: base, color: false, out: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/CHECK\s+STATUS\s+OUTPUT\npostgres:connections\s+pass/);
    expect(lines.at(-1)).toBe('overall: pass (HTTP 200)');
  });

  it('exits 1 when unhealthy and colours the failure', async () => {
    state.db = false;
    const lines: string[] = [];
    const code = await runHealthCommand({ url: `${base}/health`, color: true, out: (l) => lines.push(l) });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('\u001b[31mfail\u001b[0m');
  });

  it('--json prints only the JSON report on stdout', async () => {
    state.db = false;
    const lines: string[] = [];
    const code = await runHealthCommand({ url: base, json: true, out: (l) => lines.push(l), err: (l) => lines.push(`stderr: ${l}`) });
    expect(code).toBe(1);
    const report = JSON.parse(lines.join('\n'));
    expect(report).toMatchObject({ exitCode: 1, httpStatus: 503, health: { status: 'fail' } });
    expect(report.health.checks['postgres:connections'][0].output).toBe('refused');
  });

  it('exits 2 when nothing answers, and when the answer is not a health document; the reason goes to stderr', async () => {
    const closed = Fastify();
    const url = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const out: string[] = [];
    const err: string[] = [];
    expect(await runHealthCommand({ url, json: true, out: (l) => out.push(l), err: (l) => err.push(l) })).toBe(2);
    expect(JSON.parse(out.join('\n')).exitCode).toBe(2);
    expect(err.join('\n')).toMatch(/^bulwark health: unreachable: /);
    const fakeFetch = (async () => new Response('<html>proxy error</html>', { status: 502 })) as typeof fetch;
    expect(await runHealthCommand({ url: base, fetch: fakeFetch, color: false, out: () => undefined, err: (l) => err.push(l) })).toBe(2);
    expect(err.at(-1)).toMatch(/^bulwark health: unreachable: /);
  });

  it('finds the service from its configuration file, as start does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-health-'));
    const file = join(dir, 'svc.yaml');
    writeFileSync(file, 'server:\n  host: 127.0.0.1\n  port: 47455\n');
    try {
      expect(await configuredUrl(file)).toBe('http://127.0.0.1:47455');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bulwark health against a service that asks for credentials', () => {
  it('sends the token it is given (BULWARK_TOKEN) as a Bearer token', async () => {
    const { buildApp } = await import('../../src/server/app.js');
    const { createMetrics } = await import('../../src/observe/metrics.js');
    const { sqliteStorage } = await import('../../src/storage/sqlite.js');
    const { authMigrations } = await import('../../src/security/token-migrations.js');
    const { tokenStore } = await import('../../src/security/tokens.js');
    const { sessionStore } = await import('../../src/security/sessions.js');
    const storage = await sqliteStorage({ path: ':memory:' });
    await storage.migrate(authMigrations);
    const tokens = tokenStore(storage, { scryptN: 2 ** 10 });
    const registry = new HealthRegistry({ defaultIntervalMs: 1 });
    registry.register({ name: 'ok', check: () => true });
    const secured = await buildApp({ metrics: createMetrics({ defaultMetrics: false }), health: registry }, { auth: { tokens, sessions: sessionStore(storage, { key: Buffer.alloc(32, 5), tokens }), enabled: true } });
    const url = await secured.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { token } = await tokens.create({ name: 'probe', role: 'viewer' });
      const err: string[] = [];
      expect(await runHealthCommand({ url, color: false, out: () => undefined, err: (l) => err.push(l) })).not.toBe(0);
      expect(await runHealthCommand({ url, token, color: false, out: () => undefined })).toBe(0);
    } finally {
      await secured.close();
      await storage.close();
    }
  });
});
