/**
 * Incidents fed by real components on ManualClock over a real SQLite database: a breaker's open
 * period, the gate's reductions and halts, a ban, an alert's firing and chaos runs; then MTBF and
 * MTTR from them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { Emitter } from '../../src/core/events.js';
import { circuitBreaker } from '../../src/policies/breaker/index.js';
import { tradingGate } from '../../src/trading/gate.js';
import { alertEngine } from '../../src/observe/alerts/engine.js';
import { chaosRunStore } from '../../src/chaos/experiments/run-store.js';
import type { RunJournal } from '../../src/chaos/experiments/run-journal.js';
import { sqliteStorage, type SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import {
  importChaosRuns,
  incidentLog,
  reliability,
  reliabilityOf,
  trackAlertIncidents,
  trackBanIncidents,
  trackBreakerIncidents,
  trackGateIncidents,
  type IncidentLog,
} from '../../src/analytics/index.js';

describe('incidents', () => {
  let clock: ManualClock;
  let db: SqliteStorage;
  let log: IncidentLog;

  beforeEach(async () => {
    clock = new ManualClock(1_000_000);
    db = await sqliteStorage({ path: ':memory:', clock });
    log = await incidentLog({ storage: db, clock });
  });
  afterEach(async () => {
    await db.close();
  });

  it("records a breaker's open period from opening to closing, half-open trials included", async () => {
    const breaker = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 1 }, openMs: 10_000, clock });
    trackBreakerIncidents(log, breaker);
    const fail = (): Promise<unknown> => breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    await fail(); // opens at 1_000_000
    await clock.advance(10_000);
    await fail(); // the trial fails: open again, the same incident
    await clock.advance(10_000);
    await breaker.execute(() => 'ok'); // the trial succeeds: closed at 1_020_000
    await log.flush();
    const [incident, ...rest] = await log.list({ dependency: 'binance' });
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({ kind: 'breaker-open', startedAt: 1_000_000, endedAt: 1_020_000, cause: expect.any(String) as string });
    expect(incident!.resolution).toBeTruthy();
  });

  it("records the gate's reduction and halt as incidents of their own", async () => {
    const gate = tradingGate({ clock });
    trackGateIncidents(log, gate);
    gate.raise('stale:BTC/USDT', 'reducing', 'feed-stale');
    await clock.advance(5_000);
    gate.kill('operator-kill');
    await clock.advance(7_000);
    gate.resume();
    gate.clear('stale:BTC/USDT');
    await log.flush();
    const incidents = await log.list({ dependency: 'trading-gate' });
    expect(incidents.map((i) => [i.kind, i.startedAt - 1_000_000, i.endedAt! - 1_000_000])).toEqual([
      ['gate-reducing', 12_000, 12_000], // back to reducing after the resume, then cleared at once
      ['gate-halted', 5_000, 12_000],
      ['gate-reducing', 0, 5_000],
    ]);
  });

  it('records a ban until the end the exchange gave, extended by a later ban', async () => {
    const exchange = new Emitter<{ rejected: { reason: string; error: unknown } }>();
    trackBanIncidents(log, exchange, 'binance');
    exchange.emit('rejected', { reason: 'banned', error: Object.assign(new Error('418'), { retryAfterMs: 120_000 }) });
    exchange.emit('rejected', { reason: 'rate-limited', error: new Error('429') });
    await clock.advance(60_000);
    exchange.emit('rejected', { reason: 'banned', error: Object.assign(new Error('418'), { retryAfterMs: 120_000 }) });
    await log.flush();
    const incidents = await log.list({ kinds: ['exchange-ban'] });
    expect(incidents.map((i) => [i.dependency, i.startedAt, i.endedAt])).toEqual([['binance', 1_000_000, 1_180_000]]);
  });

  it("records an alert rule's firing period", async () => {
    let value = 0;
    const engine = alertEngine({ source: { read: () => Promise.resolve([{ labels: {}, value }]) }, clock });
    engine.add({ name: 'orders-failing', metric: 'x', condition: '>', threshold: 1 });
    trackAlertIncidents(log, engine);
    value = 5;
    await engine.evaluate();
    await clock.advance(30_000);
    value = 0;
    await engine.evaluate();
    await log.flush();
    const [incident] = await log.list({ kinds: ['alert'] });
    expect(incident).toMatchObject({ dependency: 'orders-failing', cause: 'firing at 5', startedAt: 1_000_000, endedAt: 1_030_000, resolution: 'resolved' });
  });

  it('copies chaos runs, once each however often imported', async () => {
    const runs = await chaosRunStore(db);
    const journal = { id: 'run-1', title: 'exchange-outage', actor: 'cli', startedAt: 900_000, endedAt: 960_000, status: 'completed', score: 80, experiment: {} } as unknown as RunJournal;
    await runs.save(journal);
    await importChaosRuns(log, runs);
    await importChaosRuns(log, runs);
    await log.flush();
    const incidents = await log.list({ kinds: ['chaos-run'] });
    expect(incidents.map((i) => [i.id, i.dependency, i.startedAt, i.endedAt, i.resolution])).toEqual([['chaos-run:run-1', 'exchange-outage', 900_000, 960_000, 'completed']]);
  });

  it('keeps a failed write queued, reports it, and writes it once the storage is back', async () => {
    let failing = true;
    const storage = Object.create(db) as Storage;
    storage.run = (sql, params) => (failing ? Promise.reject(new Error('disk full')) : db.run(sql, params));
    const flaky = await incidentLog({ storage, clock, instance: 'flaky' });
    const failures: string[] = [];
    flaky.on('writeFailed', ({ incident }) => failures.push(incident.dependency));
    flaky.begin('breaker-open', 'db', 'failure-rate');
    await expect(flaky.flush()).rejects.toThrow('1 incident write(s) still failing');
    expect(failures).toEqual(['db']);
    failing = false;
    flaky.end('breaker-open', 'db', 'closed');
    await flaky.flush();
    expect((await flaky.list({ dependency: 'db' })).map((i) => i.endedAt)).toEqual([clock.now()]);
  });

  it('picks up the incidents this instance left open when it restarts', async () => {
    log.begin('breaker-open', 'db', 'failure-rate');
    await log.flush();
    const again = await incidentLog({ storage: db, clock });
    await clock.advance(4_000);
    again.end('breaker-open', 'db', 'closed');
    await again.flush();
    expect((await again.list({ dependency: 'db' })).map((i) => i.endedAt! - i.startedAt)).toEqual([4_000]);
  });

  it('computes MTBF and MTTR over a range, merging overlapping incidents', async () => {
    const hour = 3_600_000;
    // Over 10 h: outages [1h, 1h+10m], [4h, 4h+20m] overlapped by [4h+10m, 4h+30m], and one still open since 9h.
    const incidents = [
      { startedAt: 1 * hour, endedAt: 1 * hour + 600_000 },
      { startedAt: 4 * hour, endedAt: 4 * hour + 1_200_000 },
      { startedAt: 4 * hour + 600_000, endedAt: 4 * hour + 1_800_000 },
      { startedAt: 9 * hour, endedAt: null },
    ];
    const r = reliabilityOf('db', incidents, 0, 10 * hour, 10 * hour);
    expect(r.failures).toBe(3);
    expect(r.downtimeMs).toBe(600_000 + 1_800_000 + hour);
    expect(r.mttrMs).toBe((600_000 + 1_800_000) / 2);
    expect(r.mtbfMs).toBe((10 * hour - r.downtimeMs) / 3);
    expect(reliabilityOf('db', [], 0, hour, hour)).toMatchObject({ failures: 0, mtbfMs: null, mttrMs: null, downtimeMs: 0 });
  });

  it('reads MTBF and MTTR of a dependency from the log, leaving chaos runs out', async () => {
    log.begin('breaker-open', 'db', 'failure-rate');
    await clock.advance(60_000);
    log.end('breaker-open', 'db', 'closed');
    log.put({ id: 'chaos-run:x', kind: 'chaos-run', dependency: 'db', cause: 'experiment', startedAt: clock.now(), endedAt: clock.now() + 1_000, resolution: 'completed', detail: {} });
    await clock.advance(540_000);
    await log.flush();
    const r = await reliability(log, 'db', 1_000_000, clock.now());
    expect(r).toMatchObject({ failures: 1, downtimeMs: 60_000, mttrMs: 60_000, mtbfMs: 540_000 });
  });

  // Regression: a range reaching back before the log existed counted that time as up-time (a demo
  // watched for 30 minutes showed an MTBF of hours for 17 outages).
  it('judges MTBF from when incidents began to be recorded, not from the start of a longer range, across instances', async () => {
    await clock.advance(60_000);
    const later = await incidentLog({ storage: db, clock, instance: 'second' }); // a second process starting later
    later.begin('breaker-open', 'db', 'failure-rate');
    await clock.advance(60_000);
    later.end('breaker-open', 'db', 'closed');
    await clock.advance(120_000);
    await later.flush();
    expect(await log.observedSince()).toBe(1_000_000);
    const week = await reliability(log, 'db', clock.now() - 7 * 86_400_000, clock.now());
    // Observed since 1,000,000 (the first log), 240 s in all, 60 s of them down: one failure, 180 s up.
    expect(week).toMatchObject({ fromMs: 1_000_000, failures: 1, downtimeMs: 60_000, mtbfMs: 180_000 });
    // A range starting after the observation began is taken as asked.
    expect((await reliability(log, 'db', 1_030_000, clock.now())).fromMs).toBe(1_030_000);
  });
});
