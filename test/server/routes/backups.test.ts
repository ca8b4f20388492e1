import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture;
afterEach(() => f.close());

describe('backup routes', () => {
  it('creates a backup (201), lists it, and restores it as a dry run', async () => {
    f = await fixture();
    const created = await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'data', tags: ['manual'], description: 'from the API' } });
    expect(created.statusCode).toBe(201);
    const manifest = created.json<{ id: string; type: string; tags: string[] }>();
    expect(manifest).toMatchObject({ type: 'data', tags: ['manual'] });

    const list = (await f.app.inject({ method: 'GET', url: '/api/backups' })).json<Array<{ id: string }>>();
    expect(list.map((b) => b.id)).toEqual([manifest.id]);

    const dry = await f.app.inject({ method: 'POST', url: `/api/backups/${manifest.id}/restore`, payload: { dryRun: true } });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ id: manifest.id, dryRun: true });
  });

  it('refuses a real restore over HTTP, with the reason', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/backups/any/restore', payload: { dryRun: false } });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/dry-run only/);
  });

  it('answers 404 for an unknown backup and 400 for an unknown type', async () => {
    f = await fixture();
    const missing = await f.app.inject({ method: 'POST', url: '/api/backups/20260101-nope/restore', payload: { dryRun: true } });
    expect(missing.statusCode).toBe(404);
    const badType = await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'everything' } });
    expect(badType.statusCode).toBe(400);
    expect(badType.json().detail).toMatch(/^body\.type:/);
  });

  it('turns a backup the component refuses (nothing configured for the type) into a 400', async () => {
    f = await fixture();
    const res = await f.app.inject({ method: 'POST', url: '/api/backups', payload: { type: 'config' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/config/);
  });
});
