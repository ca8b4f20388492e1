import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('GET /metrics', () => {
  it('serves Prometheus text by default, with the breaker series', async () => {
    f = await fixture();
    await f.registry.get('exchange')!.execute(() => 1);
    const res = await f.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('bulwark_circuitbreaker_state{name="exchange",state="closed"} 1');
    expect(res.body).toContain('bulwark_circuitbreaker_calls_total{name="exchange",kind="successful"} 1');
    expect(res.body).not.toContain('# EOF');
  });

  it('serves OpenMetrics when the Accept header asks for it', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text/);
    expect(res.body.trimEnd().endsWith('# EOF')).toBe(true);
  });

  it('keeps _total on counters in the text format after an OpenMetrics scrape (regression)', async () => {
    f = await fixture();
    await f.registry.get('exchange')!.execute(() => 1);
    await f.app.inject({ method: 'GET', url: '/metrics', headers: { accept: 'application/openmetrics-text' } });
    const text = (await f.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('# TYPE bulwark_circuitbreaker_calls_total counter');
    expect(text).toContain('bulwark_circuitbreaker_calls_total{name="exchange",kind="successful"} 1');
    expect(text).not.toMatch(/^# TYPE bulwark_\w+(?<!_total) counter$/m);
  });
});

describe('singleFlight', () => {
  it('shares one rendering among callers that arrive while it runs, and renders afresh afterwards', async () => {
    const { singleFlight } = await import('../../../src/server/routes/metrics.js');
    let renders = 0;
    let release: (value: string) => void = () => undefined;
    const flight = singleFlight(() => {
      renders++;
      return new Promise<string>((resolve) => (release = resolve));
    });
    const a = flight();
    const b = flight();
    release('first');
    expect(await Promise.all([a, b])).toEqual(['first', 'first']);
    expect(renders).toBe(1);
    const c = flight();
    release('second');
    expect(await c).toBe('second');
    expect(renders).toBe(2);
  });
});
