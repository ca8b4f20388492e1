import { describe, expect, it } from 'vitest';
import { replicatedPostgresStorage } from '../../src/storage/replicated-postgres.js';

// Every refusal below happens before any connection is opened: no database is needed.
describe('replicatedPostgresStorage options', () => {
  const base = { connectionString: 'postgres://app:pw@db-a:5432/prod', replicas: ['postgres://app:pw@db-b:5432/prod'] };

  it('names the option and the value for each bad setting', async () => {
    await expect(replicatedPostgresStorage({ ...base, maxReplicaLagMs: -1 })).rejects.toThrow('replicatedPostgresStorage: maxReplicaLagMs must be a finite number >= 0, got -1');
    await expect(replicatedPostgresStorage({ ...base, discoveryAttempts: 0 })).rejects.toThrow('replicatedPostgresStorage: discoveryAttempts must be an integer >= 1, got 0');
    await expect(replicatedPostgresStorage({ ...base, replicas: [''] })).rejects.toThrow('replicatedPostgresStorage: replicas[0] must be a non-empty string, got ""');
    await expect(replicatedPostgresStorage({ ...base, replicas: 'postgres://db-b/prod' as unknown as string[] })).rejects.toThrow('replicatedPostgresStorage: replicas must be an array of connection strings');
  });

  it('refuses a host given twice without echoing its URL (it may hold a password)', async () => {
    const error = await replicatedPostgresStorage({ ...base, replicas: [base.connectionString] }).catch((e: unknown) => e);
    expect(String(error)).toContain('replicas must not repeat a host');
    expect(String(error)).not.toContain(':pw@');
  });

  it('needs connectionString: every host is named by its URL', async () => {
    await expect(replicatedPostgresStorage({ replicas: base.replicas })).rejects.toThrow('replicatedPostgresStorage: connectionString must be given with replicas');
  });
});
