/**
 * Regression: the `?` rewriting of postgresStorage against a real PostgreSQL. The jsonb `?`
 * operator, a `?` in a block comment and one in an E'' string used to be taken for placeholders.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresStorage, type PostgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger } from '../storage/helpers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('PostgreSQL', probePostgres);

describeWith(available, 'postgresStorage placeholders against a real PostgreSQL', () => {
  const schema = uniqueSchema('bw_placeholders');
  let db: PostgresStorage;

  beforeAll(async () => {
    db = await postgresStorage({ connectionString: postgresUrl, schema, logger: memoryLogger() });
    await db.exec('CREATE TABLE docs (id INTEGER PRIMARY KEY, data JSONB NOT NULL)');
    await db.run('INSERT INTO docs (id, data) VALUES (?, ?::jsonb), (?, ?::jsonb)', [1, '{"a": 1, "b": 2}', 2, '{"b": 3}']);
  });
  afterAll(async () => {
    await db.close();
    await dropSchema(schema);
  });

  it('runs the jsonb ?, ?| and ?& operators beside placeholders', async () => {
    expect(await db.all<{ id: number }>('SELECT id FROM docs WHERE data ? ? ORDER BY id', ['b'])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await db.all<{ id: number }>("SELECT id FROM docs WHERE data ? 'a' AND id = ?", [1])).toEqual([{ id: 1 }]);
    expect(await db.all<{ id: number }>('SELECT id FROM docs WHERE data ?| ?::text[] AND data ?& ?::text[] ORDER BY id', ['{a,x}', '{a,b}'])).toEqual([{ id: 1 }]);
  });

  it("binds the right values after a ? in a block comment and in an E'' string", async () => {
    const rows = await db.all<{ quoted: string; value: number }>("SELECT /* any? */ E'it\\'s ?' AS quoted, id AS value FROM docs WHERE id = ?", [2]);
    expect(rows).toEqual([{ quoted: "it's ?", value: 2 }]);
  });
});
