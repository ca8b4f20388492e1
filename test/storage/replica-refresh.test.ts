/**
 * Fresh lags without a read (`refresh`, behind the storage's `refreshHosts`): hosts measured longer
 * than lagCheckIntervalMs ago are measured again, the others are not; a failed measurement or one
 * that does not answer in time makes the host `down`, and refresh never rejects.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Emitter } from '../../src/core/events.js';
import { roundRobinChooser } from '../../src/storage/replica-chooser.js';
import type { ReplicaLagRow } from '../../src/storage/replica-lag.js';
import { replicaReadRouter, type ReplicaReadEvents } from '../../src/storage/replica-reads.js';
import type { ReadQueryable, Row } from '../../src/storage/types.js';

/** A host that answers the lag query with what `answer()` says (a row, an error, or a promise left pending). */
function host(answer: () => ReplicaLagRow | Error | Promise<ReplicaLagRow>) {
  let asked = 0;
  const db: ReadQueryable = {
    dialect: 'postgres',
    all: async () => [],
    one: async <R extends Row>(): Promise<R | undefined> => {
      asked++;
      const a = answer();
      if (a instanceof Error) throw a;
      return (await a) as unknown as R;
    },
  };
  return { db, asked: () => asked };
}

const standby = (lagMs: number): ReplicaLagRow => ({ in_recovery: true, receiving: true, replayed_all: lagMs === 0, replay_age_ms: lagMs });
const primaryRow: ReplicaLagRow = { in_recovery: false, receiving: false, replayed_all: false, replay_age_ms: null };

function setup(replica: ReturnType<typeof host>) {
  const clock = new ManualClock(0);
  const primary = host(() => primaryRow);
  const router = replicaReadRouter({
    hosts: [
      { name: 'db1:5432', db: primary.db },
      { name: 'db2:5432', db: replica.db },
    ],
    chooser: roundRobinChooser([{ name: 'db1:5432', target: 'a' }, { name: 'db2:5432', target: 'b' }]),
    primary: () => 'db1:5432',
    maxReplicaLagMs: 1_000,
    lagCheckIntervalMs: 5_000,
    clock,
    events: new Emitter<ReplicaReadEvents>(),
  });
  return { clock, router, primary };
}

describe('refreshing the hosts without a read', () => {
  it('measures unchecked hosts at once, then again only once the last measurement is lagCheckIntervalMs old', async () => {
    let lag = 200;
    const replica = host(() => standby(lag));
    const { clock, router, primary } = setup(replica);
    expect(router.hosts().map((h) => h.condition)).toEqual(['unchecked', 'unchecked']);

    const first = await router.refresh();
    expect(first).toEqual([
      { name: 'db1:5432', condition: 'primary', reads: 0, checkedAt: 0 },
      { name: 'db2:5432', condition: 'caught-up', reads: 0, lagMs: 200, checkedAt: 0 },
    ]);
    lag = 4_000;
    await clock.advance(4_999);
    expect((await router.refresh())[1]).toMatchObject({ condition: 'caught-up', lagMs: 200 }); // within the interval: not asked again
    expect(replica.asked()).toBe(1);
    await clock.advance(1);
    expect((await router.refresh())[1]).toMatchObject({ condition: 'lagging', lagMs: 4_000, checkedAt: 5_000 });
    expect([primary.asked(), replica.asked()]).toEqual([2, 2]);
    expect(router.primaryReads).toBe(0); // measuring is not reading
  });

  it('a host whose measurement fails is down, with the reason, and refresh resolves', async () => {
    const replica = host(() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' }));
    const { router } = setup(replica);
    const hosts = await router.refresh();
    expect(hosts[1]).toMatchObject({ name: 'db2:5432', condition: 'down', error: expect.stringContaining('ECONNREFUSED') });
    expect(hosts[1]?.lagMs).toBeUndefined();
  });

  it('a host that does not answer within the timeout is down until its measurement answers', async () => {
    let release: (row: ReplicaLagRow) => void = () => undefined;
    const replica = host(() => new Promise<ReplicaLagRow>((resolve) => (release = resolve)));
    const { clock, router } = setup(replica);
    const refreshed = router.refresh(2_000);
    await clock.advance(2_000);
    expect((await refreshed)[1]).toMatchObject({ condition: 'down', error: 'lag check did not answer within 2000 ms' });
    expect((await refreshed)[0]?.condition).toBe('primary'); // the host that answered is not held back

    release(standby(0));
    await clock.advance(0);
    expect(router.hosts()[1]).toMatchObject({ condition: 'caught-up', lagMs: 0 });
  });

  it('a closed router measures nothing', async () => {
    const replica = host(() => standby(0));
    const { router } = setup(replica);
    router.close();
    expect((await router.refresh()).map((h) => h.condition)).toEqual(['unchecked', 'unchecked']);
    expect(replica.asked()).toBe(0);
  });
});
