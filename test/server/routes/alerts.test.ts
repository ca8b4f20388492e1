import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

const rule = {
  name: 'BreakerOpen',
  metric: 'bulwark_circuitbreaker_state',
  match: { state: 'open' },
  condition: '>=',
  threshold: 1,
  severity: 'critical',
  description: 'a breaker is open',
};

describe('alert rule routes', () => {
  it('creates (201), reads, changes, lists and deletes (204) a rule', async () => {
    f = await fixture();
    const created = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ ...rule, forMs: 0, state: 'inactive', value: null, series: [], by: [] });

    const one = await f.app.inject({ method: 'GET', url: '/api/alerts/rules/BreakerOpen' });
    expect(one.json()).toMatchObject({ name: 'BreakerOpen', severity: 'critical' });

    const changed = await f.app.inject({ method: 'PUT', url: '/api/alerts/rules/BreakerOpen', payload: { severity: 'warning', forMs: 30_000 } });
    expect(changed.statusCode).toBe(200);
    // Fields left out keep their value.
    expect(changed.json()).toMatchObject({ severity: 'warning', forMs: 30_000, description: 'a breaker is open', match: { state: 'open' } });

    const list = (await f.app.inject({ method: 'GET', url: '/api/alerts/rules' })).json<Array<{ name: string }>>();
    expect(list.map((r) => r.name)).toEqual(['BreakerOpen']);

    const deleted = await f.app.inject({ method: 'DELETE', url: '/api/alerts/rules/BreakerOpen' });
    expect(deleted.statusCode).toBe(204);
    expect(f.alerts.list()).toEqual([]);
  });

  it('rejects a bad rule with 400 naming the field; a duplicate with 409; unknown names with 404', async () => {
    f = await fixture();
    const bad = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: { ...rule, condition: '~' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/^body\.condition:/);
    const badMetric = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: { ...rule, metric: 'not a metric' } });
    expect(badMetric.json().detail).toMatch(/^body\.metric: must be a Prometheus metric name/);
    await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule });
    const dup = await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule });
    expect(dup.statusCode).toBe(409);
    expect((await f.app.inject({ method: 'PUT', url: '/api/alerts/rules/Nope', payload: { threshold: 2 } })).statusCode).toBe(404);
    expect((await f.app.inject({ method: 'DELETE', url: '/api/alerts/rules/Nope' })).statusCode).toBe(404);
    const badChange = await f.app.inject({ method: 'PUT', url: '/api/alerts/rules/BreakerOpen', payload: { threshold: 'high' } });
    expect(badChange.statusCode).toBe(400);
    expect(badChange.json().detail).toMatch(/^body\.threshold:/);
  });

  it('shows a firing alert as active, with history', async () => {
    f = await fixture();
    await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule });
    const breaker = f.registry.get('exchange')!;
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await f.alerts.evaluate();
    const active = (await f.app.inject({ method: 'GET', url: '/api/alerts' })).json();
    expect(active).toMatchObject([{ name: 'BreakerOpen', state: 'firing', value: 1 }]);
    const history = (await f.app.inject({ method: 'GET', url: '/api/alerts/history?rule=BreakerOpen' })).json<Array<{ event: string }>>();
    expect(history.map((h) => h.event)).toContain('firing');
    expect(f.events.timeline().some((e) => e.kind === 'alert' && e.subject === 'BreakerOpen')).toBe(true);
  });

  it('exports the rules as a Prometheus rule file', async () => {
    f = await fixture();
    await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: { ...rule, forMs: 60_000 } });
    const res = await f.app.inject({ method: 'GET', url: '/api/alerts/rules.yaml' });
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const doc = parse(res.body);
    expect(doc.groups[0].rules[0]).toMatchObject({ alert: 'BreakerOpen', expr: 'max(bulwark_circuitbreaker_state{state="open"}) >= 1', for: '1m', labels: { severity: 'critical' } });
  });

  it("leaves the anomaly detector's rules out of the file: Prometheus has no such series", async () => {
    f = await fixture();
    await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: rule });
    await f.app.inject({ method: 'POST', url: '/api/alerts/rules', payload: { name: 'anomaly-orders', metric: 'bulwark_anomaly', match: { series: 'orders' }, condition: '>=', threshold: 1 } });
    const doc = parse((await f.app.inject({ method: 'GET', url: '/api/alerts/rules.yaml' })).body);
    expect(doc.groups[0].rules.map((r: { alert: string }) => r.alert)).toEqual(['BreakerOpen']);
  });
});
