import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig, readConfigFile } from '../../src/server/configured.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-configured-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('readConfigFile', () => {
  it('reads YAML over the defaults', async () => {
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nserver:\n  port: 9191\n`);
    const config = readConfigFile(file);
    expect(config.server).toEqual({ host: '127.0.0.1', port: 9191 });
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.policies.retry.maxAttempts).toBe(3);
  });

  it('names the file and the problem', async () => {
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(/\(root\) \(from .*missing\.yaml\): cannot read file: it does not exist/);
    const list = join(dir, 'list.yaml');
    await writeFile(list, '- a\n- b\n');
    expect(() => readConfigFile(list)).toThrow(/must hold a mapping/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'server:\n  port: -1\n');
    expect(() => readConfigFile(bad)).toThrow(`server.port (from ${bad}): Too small`);
  });
});

describe('componentsFromConfig', () => {
  it('serves health, metrics, breakers, dead letters, backups and alerts; no gate without a trading setup', async () => {
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\n`);
    const { components, close } = await componentsFromConfig(readConfigFile(file));
    const app = await buildApp(components, { webRoot: join(dir, 'none') });
    try {
      for (const url of ['/livez', '/health', '/metrics', '/api/breakers', '/api/dead-letters', '/api/backups', '/api/alerts/rules']) {
        expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
      }
      expect((await app.inject({ method: 'GET', url: '/api/gate' })).statusCode).toBe(404);
      // The tuning advisor judges the configuration's policies; nothing recorded yet, no weight header seen.
      const advice = await app.inject({ method: 'GET', url: '/api/analytics/recommendations' });
      expect(advice.statusCode).toBe(200);
      expect(advice.json()).toMatchObject({ currentFrom: 'the configuration with the changes applied live (breakers: the exchangeApi preset window)', current: { timeout: { ms: 10_000 }, breaker: { window: { kind: 'consecutive', failures: 5 } } }, dependencies: [], recommendations: [{ id: 'rate-limit-headroom:exchange-weight', status: 'no-evidence' }] });
    } finally {
      await app.close();
      await close();
    }
  });
});

describe('componentsFromConfig: threat detection', () => {
  it('runs the rules of security.threats with the Security* alerts; enabled: false leaves them out', async () => {
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nsecurity:\n  threats:\n    orderRate: { enabled: false }\n    changeWindow: { days: [mon, tue], from: '08:00', to: '18:00' }\n`);
    const { components, close } = await componentsFromConfig(readConfigFile(file));
    const app = await buildApp(components, { webRoot: join(dir, 'none') });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/security/threats' });
      expect(res.statusCode).toBe(200);
      expect(res.json().rules).toEqual(['brute-force', 'state-change-burst', 'kill-switch-release', 'change-window', 'new-token-address']);
      expect(components.alerts?.get('SecurityBruteForce')?.rule.severity).toBe('critical');
    } finally {
      await app.close();
      await close();
    }
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\nsecurity:\n  threats:\n    enabled: false\n`);
    const off = await componentsFromConfig(readConfigFile(file));
    const offApp = await buildApp(off.components, { webRoot: join(dir, 'none') });
    try {
      expect((await offApp.inject({ method: 'GET', url: '/api/security/threats' })).statusCode).toBe(404);
      expect(off.components.alerts?.get('SecurityBruteForce')).toBeUndefined();
    } finally {
      await offApp.close();
      await off.close();
    }
  });

  it('refuses a change window with a bad time, naming the field', async () => {
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `security:\n  threats:\n    changeWindow: { from: '25:00' }\n`);
    expect(() => readConfigFile(file)).toThrow(/security\.threats\.changeWindow\.from/);
  });
});

describe('componentsFromConfig across a restart', () => {
  it('restores alert rule changes and breaker isolations made over the API, with who made them', async () => {
    const { registry } = await import('../../src/policies/registry.js');
    const breaker = registry.breaker('configured-restart-test');
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(join(dir, 'data'))}\n`);
    const first = await componentsFromConfig(readConfigFile(file));
    let app = await buildApp(first.components, { webRoot: join(dir, 'none') });
    const rule = { name: 'Dlq', metric: 'bulwark_dlq_depth', condition: '>', threshold: 5, severity: 'warning', description: 'letters' };
    expect((await app.inject({ method: 'POST', url: '/api/alerts/rules', headers: { 'x-bulwark-actor': 'dana' }, payload: rule })).statusCode).toBe(201);
    expect((await app.inject({ method: 'POST', url: '/api/breakers/configured-restart-test/isolate', payload: { actor: 'dana' } })).statusCode).toBe(200);
    await app.close();
    await first.close();
    breaker.reset(); // a new process: the breaker starts closed

    const second = await componentsFromConfig(readConfigFile(file));
    app = await buildApp(second.components, { webRoot: join(dir, 'none') });
    try {
      expect(breaker.state).toBe('isolated');
      expect((await app.inject({ method: 'GET', url: '/api/alerts/rules/Dlq' })).json()).toMatchObject({ threshold: 5, changedBy: { actor: 'dana' } });
      expect((await app.inject({ method: 'GET', url: '/api/breakers/configured-restart-test' })).json()).toMatchObject({ isolatedBy: { actor: 'dana' } });
      expect((await app.inject({ method: 'POST', url: '/api/breakers/configured-restart-test/release', payload: {} })).statusCode).toBe(200);
    } finally {
      await app.close();
      await second.close();
      breaker.reset();
    }
  });
});

describe('componentsFromConfig metrics', () => {
  it('serves the dead-letter depth and the score with the configured weights, as /health/score does', async () => {
    const { sqliteStorage } = await import('../../src/storage/sqlite.js');
    const { deadLetters } = await import('../../src/dlq/dead-letters.js');
    const dataDir = join(dir, 'data');
    const before = await sqliteStorage({ dataDir });
    await deadLetters(before, { name: 'default' }).add({ operation: 'createOrder', payload: {}, error: new Error('refused') });
    await before.close();
    const file = join(dir, 'bulwark.yaml');
    await writeFile(file, `dataDir: ${JSON.stringify(dataDir)}\nhealth:\n  weights: { system: 0.9, services: 0.1 }\n`);
    const { components, close } = await componentsFromConfig(readConfigFile(file, { environment: {} }));
    const app = await buildApp(components, { webRoot: join(dir, 'none') });
    try {
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('bulwark_dlq_depth{queue="default"} 1');
      const score = (await app.inject({ method: 'GET', url: '/health/score' })).json() as { score: number; groups: Record<string, { weight: number }> };
      expect(score.groups).toEqual({ system: { score: 100, weight: 0.9 }, services: { score: 100, weight: 0.1 } });
      expect(metrics).toContain(`bulwark_health_score ${score.score}`);
    } finally {
      await app.close();
      await close();
    }
  });
});
