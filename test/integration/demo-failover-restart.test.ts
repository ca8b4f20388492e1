/**
 * The demo keeps an operator's failover routing across a restart: an endpoint drained over the API
 * is drained again when the demo starts on the same data folder (restored with the operator's other
 * settings, ahead of the bot), with who drained it and why; the timeline and the audit log say it was restored.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../../src/demo/demo.js';
import { buildApp } from '../../src/server/app.js';

let demo: Demo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await demo?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  demo = undefined;
});

describe('demo: failover routing across a restart', () => {
  it('drains the endpoint again at start, saying who drained it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-demo-failover-'));
    demo = await startDemo({ dataDir: dir, tickMs: 500, faultQuietMs: 0 });
    const app = await buildApp(demo.components);
    const res = await app.inject({ method: 'POST', url: '/api/failover/binance:rest/endpoints/api2/drain', payload: { reason: 'api2 maintenance', actor: 'alice' } });
    expect(res.statusCode).toBe(200);
    await app.close();
    await demo.stop();

    demo = await startDemo({ dataDir: dir, tickMs: 500, faultQuietMs: 0 });
    const group = demo.exchange.endpoints!;
    expect(group.manual()).toEqual({ drained: ['api2'] });
    expect(group.snapshot().endpoints.find((e) => e.name === 'api2')?.state).toBe('drained');
    expect(group.history().find((c) => c.kind === 'endpoint' && c.endpoint === 'api2')).toMatchObject({ to: 'drained', actor: 'alice', detail: 'restored at start: api2 maintenance' });
    expect(demo.components.events.timeline({ limit: 100 }).map((e) => e.message)).toContain('failover routing restored: drained api2 (set by alice: api2 maintenance)');
    const restored = (await demo.components.audit!.list({ limit: 100 })).find((e) => e.action === 'operator-state.restore');
    expect(restored?.after).toMatchObject({ failover: [{ group: 'binance:rest', drained: ['api2'], by: 'alice' }] });
  }, 60_000);
});
