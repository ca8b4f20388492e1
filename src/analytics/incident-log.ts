/**
 * Incidents: periods when something was wrong, each with its start, end, cause and what it
 * affected (`dependency`: a breaker's name, the trading gate, an exchange, an alert rule, a chaos
 * experiment), kept in the configured storage. The feeds (incident-feeds.ts) open and close them
 * from components' events; `reliability()` (reliability.ts) turns them into MTBF and MTTR.
 *
 * Events arrive synchronously and writes are asynchronous: writes run one at a time in order; a
 * failed write stays at the head of the queue, is emitted as `writeFailed`, and is tried again
 * before the next write or at `flush()`. Nothing is dropped silently.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkNonEmptyString } from '../core/option-checks.js';
import type { Migration, Storage } from '../storage/types.js';

export const incidentKinds = ['breaker-open', 'gate-halted', 'gate-reducing', 'exchange-ban', 'alert', 'chaos-run'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

export interface Incident {
  id: string;
  kind: IncidentKind;
  /** What was affected: a breaker's or exchange's name, `trading-gate`, an alert rule, an experiment. */
  dependency: string;
  /** Why it started (a kebab-case reason where the component gives one). */
  cause: string;
  startedAt: number;
  /** Null while it lasts. */
  endedAt: number | null;
  /** Why it ended, when it has. */
  resolution: string | null;
  /** The process that saw it. */
  instance: string;
  detail: Record<string, unknown>;
}

/**
 * When each instance began recording incidents: MTBF is judged from the earliest, not from the
 * start of a range asked for (a service watched for minutes has no failure-free week to count).
 */
export const analyticsObservationMigration: Migration = {
  id: 'analytics-003-observation',
  up: `CREATE TABLE IF NOT EXISTS analytics_observation (
  instance TEXT PRIMARY KEY,
  since BIGINT NOT NULL
)`,
};

export const analyticsIncidentsMigration: Migration = {
  id: 'analytics-002-incidents',
  up: `CREATE TABLE IF NOT EXISTS analytics_incidents (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  dependency TEXT NOT NULL,
  cause TEXT NOT NULL,
  instance TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT,
  resolution TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS analytics_incidents_started ON analytics_incidents (started_at);
CREATE INDEX IF NOT EXISTS analytics_incidents_dependency ON analytics_incidents (dependency, started_at)`,
};

export interface IncidentLogOptions {
  storage: Storage;
  /** This process's name; ids include it so two processes never write the same row. */
  instance?: string;
  clock?: Clock;
}

export const INCIDENT_LOG_DEFAULTS = {
  instance: 'local', // one process: a fleet gives each its own name
  clock: systemClock as Clock, // wall time
  listLimit: 500, // a month of a busy deployment's incidents on one screen
};

export interface IncidentLogEvents {
  /** An incident began or ended (or was written whole, as a ban or a chaos run). */
  incident: Incident;
  /** A write failed; it stays queued and is tried again before the next one. */
  writeFailed: { incident: Incident; error: unknown };
}

export interface IncidentQuery {
  /** Incidents overlapping [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  dependency?: string;
  kinds?: readonly IncidentKind[];
  limit?: number;
}

interface IncidentRow extends Record<string, unknown> {
  id: string;
  kind: IncidentKind;
  dependency: string;
  cause: string;
  instance: string;
  started_at: number | string;
  ended_at: number | string | null;
  resolution: string | null;
  detail: string;
}

const fromRow = (r: IncidentRow): Incident => ({
  id: r.id,
  kind: r.kind,
  dependency: r.dependency,
  cause: r.cause,
  instance: r.instance,
  startedAt: Number(r.started_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  resolution: r.resolution,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
});

const openKey = (kind: IncidentKind, dependency: string): string => `${kind}|${dependency}`;

export class IncidentLog implements EventSource<IncidentLogEvents> {
  readonly instance: string;
  readonly clock: Clock;
  private readonly storage: Storage;
  private readonly events = new Emitter<IncidentLogEvents>();
  private readonly open = new Map<string, Incident>();
  private readonly queue: Incident[] = [];
  private draining: Promise<void> | undefined;

  constructor(options: IncidentLogOptions, openIncidents: Incident[] = []) {
    this.storage = options.storage;
    this.instance = options.instance ?? INCIDENT_LOG_DEFAULTS.instance;
    checkNonEmptyString('incidentLog', 'instance', this.instance);
    this.clock = options.clock ?? INCIDENT_LOG_DEFAULTS.clock;
    for (const incident of openIncidents) this.open.set(openKey(incident.kind, incident.dependency), incident);
  }

  on<K extends keyof IncidentLogEvents & string>(name: K, listener: Listener<IncidentLogEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** When this instance began recording, until it is written to `analytics_observation`. */
  private unmarkedSince: number | undefined;

  /** Records when this instance began recording incidents (kept: the first time stays). */
  async markObservation(since: number): Promise<void> {
    this.unmarkedSince = since;
    await this.storage.run('INSERT INTO analytics_observation (instance, since) VALUES (?, ?) ON CONFLICT (instance) DO NOTHING', [this.instance, since]);
    this.unmarkedSince = undefined;
  }

  /**
   * The earliest start read so far: instances starting later only add later times, so once read the
   * minimum is settled, and a listing's per-dependency figures do not each ask the storage again.
   */
  private observedSinceMs: number | undefined;

  /** When the first instance began recording incidents in this storage (undefined: never). */
  async observedSince(): Promise<number | undefined> {
    if (this.observedSinceMs !== undefined) return this.observedSinceMs;
    if (this.unmarkedSince !== undefined) await this.markObservation(this.unmarkedSince);
    const row = await this.storage.one<{ since: number | string | null }>('SELECT MIN(since) AS since FROM analytics_observation');
    this.observedSinceMs = row?.since === null || row?.since === undefined ? undefined : Number(row.since);
    return this.observedSinceMs;
  }

  /** The incident of this kind open on `dependency`, if any. */
  current(kind: IncidentKind, dependency: string): Incident | undefined {
    return this.open.get(openKey(kind, dependency));
  }

  /** Opens an incident unless one of the same kind is open on `dependency`; returns the open one. */
  begin(kind: IncidentKind, dependency: string, cause: string, at = this.clock.now(), detail: Record<string, unknown> = {}): Incident {
    const key = openKey(kind, dependency);
    const existing = this.open.get(key);
    if (existing) return existing;
    const incident: Incident = { id: `${kind}:${dependency}:${this.instance}:${at}`, kind, dependency, cause, startedAt: at, endedAt: null, resolution: null, instance: this.instance, detail };
    this.open.set(key, incident);
    this.write(incident);
    return incident;
  }

  /** Closes the open incident of this kind on `dependency`; nothing when none is open. */
  end(kind: IncidentKind, dependency: string, resolution: string, at = this.clock.now()): Incident | undefined {
    const key = openKey(kind, dependency);
    const incident = this.open.get(key);
    if (!incident) return undefined;
    this.open.delete(key);
    const ended = { ...incident, endedAt: Math.max(at, incident.startedAt), resolution };
    this.write(ended);
    return ended;
  }

  /** Writes a whole incident as given (its id decides the row): a ban whose end is known, a chaos run. */
  put(incident: Omit<Incident, 'instance'> & { instance?: string }): Incident {
    const whole: Incident = { ...incident, instance: incident.instance ?? this.instance };
    this.write(whole);
    return whole;
  }

  /** Resolves when every queued write is done; rejects with the first write's error when one still fails. */
  async flush(): Promise<void> {
    await this.drain();
    if (this.queue.length > 0) throw new Error(`incidentLog: ${this.queue.length} incident write(s) still failing`);
  }

  /** Incidents overlapping the range, newest first. */
  async list(query: IncidentQuery = {}): Promise<Incident[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.toMs !== undefined) {
      where.push('started_at < ?');
      params.push(query.toMs);
    }
    if (query.fromMs !== undefined) {
      where.push('(ended_at IS NULL OR ended_at > ?)');
      params.push(query.fromMs);
    }
    if (query.dependency !== undefined) {
      where.push('dependency = ?');
      params.push(query.dependency);
    }
    if (query.kinds && query.kinds.length > 0) {
      where.push(`kind IN (${query.kinds.map(() => '?').join(', ')})`);
      params.push(...query.kinds);
    }
    params.push(query.limit ?? INCIDENT_LOG_DEFAULTS.listLimit);
    const rows = await this.storage.all<IncidentRow>(
      `SELECT id, kind, dependency, cause, instance, started_at, ended_at, resolution, detail FROM analytics_incidents${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id LIMIT ?`,
      params,
    );
    return rows.map(fromRow);
  }

  private write(incident: Incident): void {
    this.queue.push(incident);
    this.events.emit('incident', incident);
    void this.drain();
  }

  private drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    while (this.queue.length > 0) {
      const incident = this.queue[0]!;
      try {
        await this.storage.run(
          `INSERT INTO analytics_incidents (id, kind, dependency, cause, instance, started_at, ended_at, resolution, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET cause = excluded.cause, ended_at = excluded.ended_at, resolution = excluded.resolution, detail = excluded.detail`,
          [incident.id, incident.kind, incident.dependency, incident.cause, incident.instance, incident.startedAt, incident.endedAt, incident.resolution, JSON.stringify(incident.detail)],
        );
        this.queue.shift();
      } catch (error) {
        this.events.emit('writeFailed', { incident, error });
        return;
      }
    }
  }
}

/** The log over `storage` (migration applied); incidents this instance left open are picked up. */
export async function incidentLog(options: IncidentLogOptions): Promise<IncidentLog> {
  await options.storage.migrate([analyticsIncidentsMigration, analyticsObservationMigration]);
  const instance = options.instance ?? INCIDENT_LOG_DEFAULTS.instance;
  const clock = options.clock ?? INCIDENT_LOG_DEFAULTS.clock;
  const since = clock.now();
  const rows = await options.storage.all<IncidentRow>(
    'SELECT id, kind, dependency, cause, instance, started_at, ended_at, resolution, detail FROM analytics_incidents WHERE ended_at IS NULL AND instance = ? ORDER BY started_at',
    [instance],
  );
  const log = new IncidentLog(options, rows.map(fromRow));
  // Where it cannot be written now, the next observedSince() writes it, with this time.
  await log.markObservation(since).catch(() => undefined);
  return log;
}
