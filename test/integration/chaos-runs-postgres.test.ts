import { afterAll, expect, it } from 'vitest';
import { chaosRunStore } from '../../src/chaos/experiments/run-store.js';
import { checkExperiment } from '../../src/chaos/experiments/experiment-file.js';
import type { RunJournal } from '../../src/chaos/experiments/run-journal.js';
import { postgresStorage } from '../../src/storage/postgres.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

const available = await requireService('postgres', probePostgres);
const schema = uniqueSchema('h_exp');

afterAll(async () => {
  if (available) await dropSchema(schema);
});

const experiment = checkExperiment({ title: 'pg', steadyStateHypothesis: { title: 'h', probes: [{ name: 'p', probe: 'gate-mode', tolerance: { equals: true } }] }, method: [{ action: 'exchange-clear-faults' }] });

describeWith(available, 'chaos run store (PostgreSQL)', () => {
  it('saves a run as it starts, updates it as it ends, and lists and reads it back over a new pool', async () => {
    let storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const store = await chaosRunStore(storage);
    const journal: RunJournal = { id: 'r1', title: 'pg', experiment, actor: 'alice', startedAt: 1_000, status: 'running', steps: [], probes: [], rollbacks: [] };
    await store.save(journal);
    await store.save({ ...journal, status: 'failed', reason: 'probe-out-of-tolerance', score: 40, endedAt: 9_000, probes: [{ key: 'hypothesis/p', name: 'p', phase: 'before', at: 1_000, value: false, ok: false, counted: true }] });
    await storage.close();
    storage = await postgresStorage({ connectionString: postgresUrl, schema });
    const again = await chaosRunStore(storage);
    expect(await again.list()).toEqual([{ id: 'r1', title: 'pg', actor: 'alice', status: 'failed', reason: 'probe-out-of-tolerance', score: 40, startedAt: 1_000, endedAt: 9_000 }]);
    expect((await again.get('r1'))?.probes).toHaveLength(1);
    await storage.close();
  });
});
