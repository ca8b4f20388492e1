import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { operatorSettings } from '../../src/storage/repos/operator-settings.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schema = uniqueSchema('bw_operator');

afterAll(async () => {
  if (available) await dropSchema(schema);
});

describeWith(available, 'operatorSettings (PostgreSQL)', () => {
  it('keeps, replaces and removes settings with who and when, across a new pool', async () => {
    const clock = new ManualClock(1_000);
    let storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const settings = operatorSettings(storage, { clock });
    await settings.put('gate:kill', { reason: 'incident' }, { actor: 'alice', reason: 'incident' });
    await clock.advance(500);
    await settings.put('breaker:db', { isolated: true }, { actor: 'bob' });
    await settings.put('gate:kill', { reason: 'still' }, { actor: 'carol', reason: 'still' });
    await storage.close();

    storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const again = operatorSettings(storage, { clock });
    expect(await again.list()).toEqual([
      { key: 'breaker:db', value: { isolated: true }, actor: 'bob', reason: null, setAt: 1_500 },
      { key: 'gate:kill', value: { reason: 'still' }, actor: 'carol', reason: 'still', setAt: 1_500 },
    ]);
    expect(await again.remove('breaker:db')).toBe(true);
    expect(await again.remove('breaker:db')).toBe(false);
    expect(await again.list('breaker:')).toEqual([]);
    await storage.close();
  });
});
