import { TcpProxy } from '../support/tcp-proxy.js';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres.js';
import { spooledWriter, type WriteOutcome } from '../../src/storage/spool.js';
import { describeWith, postgresUrl, requireService } from '../support/services.js';
import { memoryLogger, tempDir } from '../storage/helpers.js';
import { dropSchema, probePostgres, uniqueSchema } from './pg-schema.js';

/**
 * PostgreSQL becomes unreachable in the middle of a stream of writes, then comes back. The shared
 * server is never stopped: the storage connects through a TCP proxy that this test closes
 * (destroying its sockets) and reopens on the same port.
 */

const available = await requireService('PostgreSQL', probePostgres);

describeWith(available, 'spooled writes while PostgreSQL is unreachable', () => {
  const schema = uniqueSchema('bw_spool');
  const temp = tempDir('bulwark-spool-it-');
  const proxy = new TcpProxy(new URL(postgresUrl).hostname, Number(new URL(postgresUrl).port || 5432));
  afterAll(async () => {
    await proxy.close();
    await dropSchema(schema);
    temp.remove();
  });

  it('spools acknowledged writes during the outage and replays them in order, exactly once, when it returns', async () => {
    await proxy.open();
    const via = new URL(postgresUrl);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    const logger = memoryLogger();
    const primary = await postgresStorage({ connectionString: via.toString(), schema, max: 2, connectionTimeoutMs: 1_000, prePingIdleMs: 0, logger });
    // A journal without a unique key: a write applied twice would show up as a second row.
    await primary.exec('CREATE TABLE journal (seq BIGSERIAL PRIMARY KEY, write_id TEXT NOT NULL, n INTEGER NOT NULL)');
    const writer = await spooledWriter(primary, {
      kinds: {
        journal: {
          async apply(tx, data) {
            const { id, n } = data as { id: string; n: number };
            await tx.run('INSERT INTO journal (write_id, n) VALUES (?, ?)', [id, n]);
          },
        },
      },
      spoolPath: join(temp.dir, 'spool.db'),
      replayIntervalMs: 3_600_000, // replay only when the test flushes
      logger,
    });

    const total = 300;
    const outcomes: WriteOutcome[] = [];
    const acknowledged: string[] = [];
    for (let n = 1; n <= total; n++) {
      if (n === 101) await proxy.close(); // PostgreSQL becomes unreachable mid-stream
      if (n === 201) await proxy.open(); // ... and reachable again (the spool keeps taking writes until flushed)
      const id = `w${n}`;
      outcomes.push(await writer.write('journal', id, { id, n }));
      acknowledged.push(id);
    }
    expect(outcomes.slice(0, 100).every((o) => o === 'written')).toBe(true);
    expect(outcomes.slice(100).every((o) => o === 'spooled')).toBe(true);
    expect(writer.pending).toBe(200);

    expect(await writer.flush()).toBe(200);
    expect(writer.pending).toBe(0);
    const rows = await primary.all<{ write_id: string; n: number }>('SELECT write_id, n FROM journal ORDER BY seq');
    // Nothing acknowledged lost, nothing written twice, and the spooled ones in their order.
    expect(rows.map((r) => r.write_id)).toEqual(acknowledged);
    // A second flush and a re-write of an already applied id change nothing.
    expect(await writer.flush()).toBe(0);
    expect(await writer.write('journal', 'w150', { id: 'w150', n: 150 })).toBe('duplicate');
    expect(await primary.one('SELECT COUNT(*) AS n FROM journal')).toEqual({ n: total });

    await writer.close();
    await primary.close();
  });

  it('a write whose connection is cut during its transaction is spooled and, on replay, applied once', async () => {
    const via = new URL(postgresUrl);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    const logger = memoryLogger();
    const primary = await postgresStorage({ connectionString: via.toString(), schema, max: 1, connectionTimeoutMs: 1_000, logger });
    await primary.exec('CREATE TABLE IF NOT EXISTS cut (write_id TEXT NOT NULL)');
    let cutDuringNext = true;
    const writer = await spooledWriter(primary, {
      kinds: {
        cut: {
          async apply(tx, data) {
            await tx.run('INSERT INTO cut (write_id) VALUES (?)', [String(data)]);
            if (cutDuringNext) {
              cutDuringNext = false;
              await proxy.close(); // the connection dies before COMMIT
            }
          },
        },
      },
      spoolPath: join(temp.dir, 'cut-spool.db'),
      replayIntervalMs: 3_600_000,
      logger,
    });
    expect(await writer.write('cut', 'c1', 'c1')).toBe('spooled');
    await proxy.open();
    expect(await writer.flush()).toBe(1);
    expect(await primary.all('SELECT write_id FROM cut')).toEqual([{ write_id: 'c1' }]);
    await writer.close();
    await primary.close();
  });
});
