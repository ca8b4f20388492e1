/**
 * `bulwark start --port 0` end to end, in a child process run through tsx: waits for the banner
 * and readiness, hits every endpoint, parses /metrics with a Prometheus text parser, follows the
 * event stream, then sends SIGTERM and expects a clean exit (code 0, "stopped").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';

const root = resolve(import.meta.dirname, '..', '..');

describe('bulwark start (demo mode) in a child process', () => {
  let child: ChildProcess;
  let dir: string;
  let url = '';
  let token = '';
  let output = '';
  let exit: Promise<[number | null, NodeJS.Signals | null]>;

  beforeAll(async () => {
    await buildWeb();
    dir = await mkdtemp(join(tmpdir(), 'bulwark-start-'));
    child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'start', '--port', '0', '--data-dir', join(dir, 'data')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The banner goes to stderr (stdout carries the JSON log).
    url = await new Promise<string>((resolveUrl, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolveUrl(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`bulwark start exited early with ${code}:\n${output}`)));
    });
    token = /\?token=(bwk_\S+)/.exec(output)?.[1] ?? '';
    // Ready once /readyz passes; bounded by the hook timeout.
    for (;;) {
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      if (res?.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 45_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints a banner with the dashboard, API and metrics URLs', () => {
    expect(output).toMatch(/demo mode/);
    expect(output).toMatch(/chaos experiments on \(never live trading\)/);
    expect(output).toContain(`dashboard  ${url}/?token=bwk_`);
    expect(output).toContain(`${url}/metrics`);
    expect(output).toContain(`${url}/docs/openapi.json`);
  });

  it('answers every read endpoint', async () => {
    const reads: Array<[string, number, RegExp]> = [
      ['/livez', 200, /health\+json/],
      ['/readyz', 200, /health\+json/],
      ['/health', 200, /health\+json/],
      ['/health/score', 200, /json/],
      ['/api/overview', 200, /json/],
      ['/api/breakers', 200, /json/],
      ['/api/breakers/binance:orders', 200, /json/],
      ['/api/limits', 200, /json/],
      ['/api/limits/queues', 200, /json/],
      ['/api/gate', 200, /json/],
      ['/api/gate/history', 200, /json/],
      ['/api/orders', 200, /json/],
      ['/api/dead-letters', 200, /json/],
      ['/api/backups', 200, /json/],
      ['/api/alerts', 200, /json/],
      ['/api/alerts/rules', 200, /json/],
      ['/api/alerts/rules.yaml', 200, /yaml/],
      ['/api/alerts/history', 200, /json/],
      ['/api/timeline', 200, /json/],
      // The demo runs with chaos experiments on: the dashboard lists them.
      ['/api/chaos/experiments', 200, /json/],
      ['/api/chaos/runs', 200, /json/],
      ['/docs/openapi.json', 200, /json/],
      ['/', 200, /text\/html/],
      ['/app.js', 200, /javascript/],
      ['/uplot.min.css', 200, /text\/css/],
    ];
    for (const [path, status, type] of reads) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(type);
      await res.arrayBuffer();
    }
    const breakers = (await (await fetch(`${url}/api/breakers`)).json()) as Array<{ name: string }>;
    expect(breakers.map((b) => b.name)).toEqual(['binance:all', 'binance:marketData', 'binance:account', 'binance:orders']);
    const rules = (await (await fetch(`${url}/api/alerts/rules`)).json()) as Array<{ name: string }>;
    expect(rules.map((r) => r.name)).toContain('BreakerOpen');
  });

  it('serves /metrics that a Prometheus parser reads, with the bot’s orders in it', async () => {
    // The bot trades once a second; wait until an order has been placed.
    for (;;) {
      const orders = (await (await fetch(`${url}/api/orders`)).json()) as { recent: unknown[] };
      if (orders.recent.length > 0 && (await (await fetch(`${url}/metrics`)).text()).includes('bulwark_orders_total')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const text = await (await fetch(`${url}/metrics`)).text();
    const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    expect(families.get('bulwark_circuitbreaker_state')!.type).toBe('GAUGE');
    expect(families.get('bulwark_circuitbreaker_state')!.metrics).toContainEqual({ labels: { name: 'binance:orders', state: 'closed' }, value: '1' });
    expect(families.get('bulwark_orders_total')!.type).toBe('COUNTER');
    expect(families.get('bulwark_orders_total')!.metrics.some((m) => m.labels?.outcome === 'placed')).toBe(true);
    expect(families.get('bulwark_trading_gate_state')!.metrics).toContainEqual({ labels: { gate: 'demo', state: 'active' }, value: '1' });
    expect(families.get('bulwark_call_duration_seconds')!.type).toBe('HISTOGRAM');
    expect(families.has('bulwark_health_score')).toBe(true);
    // Node.js process metrics ride along (the prefix is the metrics module's).
    expect([...families.keys()].some((name) => name.startsWith('process_'))).toBe(true);
    const open = await fetch(`${url}/metrics`, { headers: { accept: 'application/openmetrics-text' } });
    expect((await open.text()).trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('is secure by default: reads from this machine are open, a change needs the token, and the link signs a browser in', async () => {
    const halt = await fetch(`${url}/api/gate/halt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'no token' }) });
    expect(halt.status).toBe(401);
    expect(halt.headers.get('www-authenticate')).toBe('Bearer realm="bulwark"');
    expect((await fetch(`${url}/api/gate`)).status).toBe(200);
    const link = await fetch(`${url}/?token=${token}`, { redirect: 'manual' });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/');
    expect(link.headers.getSetCookie().some((c) => c.startsWith('bulwark_session=') && c.includes('HttpOnly') && c.includes('SameSite=Strict'))).toBe(true);
  });

  it('acts: breaker reset, gate halt and resume, backup with a dry-run restore, alert rule create and delete, dead-letter replay and purge', async () => {
    const post = (path: string, body: unknown = {}) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect((await post('/api/breakers/binance:account/isolate')).status).toBe(200);
    expect(await (await post('/api/breakers/binance:account/release')).json()).toEqual({ name: 'binance:account', state: 'closed' });
    expect(await (await post('/api/breakers/binance:orders/reset')).json()).toMatchObject({ state: 'closed' });
    expect(await (await post('/api/gate/halt', { reason: 'end-to-end test' })).json()).toMatchObject({ mode: 'halted' });
    expect(await (await post('/api/gate/resume')).json()).toMatchObject({ killed: false });
    const backup = await post('/api/backups', { type: 'full', tags: ['e2e'] });
    expect(backup.status).toBe(201);
    const { id } = (await backup.json()) as { id: string };
    expect(await (await post(`/api/backups/${id}/restore`, { dryRun: true })).json()).toMatchObject({ id, dryRun: true });
    const rule = await post('/api/alerts/rules', { name: 'E2E', metric: 'bulwark_health_score', condition: '<', threshold: 1 });
    expect(rule.status).toBe(201);
    expect((await fetch(`${url}/api/alerts/rules/E2E`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect((await post('/api/dead-letters/replay')).status).toBe(200);
    expect((await post('/api/dead-letters/purge', { status: 'replayed' })).status).toBe(200);
    expect((await post('/api/gate/halt', {})).status).toBe(400);
  });

  it('streams events: a snapshot, then the timeline', async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: snapshot')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: timeline');
    controller.abort();
  });

  it('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code, signal] = await exit;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/stopping \(SIGTERM\)/);
    expect(output).toMatch(/stopped/);
  });
});
