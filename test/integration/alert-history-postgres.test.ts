import { afterAll, expect, it } from 'vitest';
import { storageAlertHistory } from '../../src/observe/alerts/storage-history.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schema = uniqueSchema('bw_alerts');

afterAll(async () => {
  if (available) await dropSchema(schema);
});

describeWith(available, 'storageAlertHistory (PostgreSQL)', () => {
  it('records and lists alert history over a real connection, surviving a new pool', async () => {
    let storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const history = await storageAlertHistory(storage);
    await history.record({ at: 10, rule: 'dlq', event: 'firing', severity: 'warning', value: 12 });
    await history.record({ at: 10, rule: 'dlq', event: 'notified', severity: 'warning', detail: 'log: firing' });
    await storage.close();
    storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const again = await storageAlertHistory(storage);
    expect(await again.list({ rule: 'dlq' })).toEqual([
      { at: 10, rule: 'dlq', event: 'notified', severity: 'warning', detail: 'log: firing' },
      { at: 10, rule: 'dlq', event: 'firing', severity: 'warning', value: 12 },
    ]);
    await storage.close();
  });
});
