/**
 * Replica reads: a stale-tolerant read goes to a standby whose lag is at most `maxReplicaLagMs`,
 * chosen by a `ReplicaChooser`; when none qualifies (all lagging, down, or none left untried) it
 * goes to the primary. Every host's read pool is read-only, the primary's included, so a write sent
 * through here is refused wherever it lands (SQLSTATE 25006): writes never reach a replica.
 *
 * Each host's lag is measured on demand (replica-lag.ts) and kept for `lagCheckIntervalMs`: a read
 * may therefore see data up to maxReplicaLagMs + lagCheckIntervalMs old. A host found out of reach
 * is skipped; after the interval one read checks it again in the background, so a dead host never
 * makes a read wait twice.
 *
 * A read that fails on a replica because of the replica (out of reach, cancelled by a conflict with
 * recovery, out of connections) is tried on the next one, then on the primary: reads are safe to
 * repeat. A read the database refuses for what it says (a syntax error, a write) is rethrown as is.
 */
import type { Clock } from '../core/clock.js';
import type { Emitter } from '../core/events.js';
import { sanitizeText } from '../core/secrets.js';
import { isConnectionError } from './connection-error.js';
import { measureReplicaLag } from './replica-lag.js';
import type { PickedReplica, ReplicaChooser, ReplicaOutcome } from './replica-chooser.js';
import type { ReadQueryable, Row, SqlValue } from './types.js';

/**
 * What a host is for replica reads: `caught-up` (a standby within the limit), `lagging` (a standby
 * past the limit, or whose lag is unknown), `primary` (not in recovery: reads reach it as the
 * fallback), `down` (its lag check or a read could not reach it), `unchecked` (not asked yet).
 */
export type ReplicaCondition = 'caught-up' | 'lagging' | 'primary' | 'down' | 'unchecked';

/** A host's condition changed. */
export interface ReplicaStateChange {
  host: string;
  from: ReplicaCondition;
  to: ReplicaCondition;
  /** The lag measured, when the host is a standby that said it. */
  lagMs?: number;
  /** Why it is down. */
  error?: string;
  at: number;
}

export interface ReplicaReadEvents {
  stateChange: ReplicaStateChange;
}

export interface ReplicaHostStatus {
  name: string;
  condition: ReplicaCondition;
  lagMs?: number;
  /** When it was last checked (the clock's time); undefined before the first check. */
  checkedAt?: number;
  error?: string;
  /** Stale-tolerant reads it answered. */
  reads: number;
}

/** One host's read-only pool. */
export interface ReplicaReadHost {
  name: string;
  db: ReadQueryable;
}

export interface ReplicaReadRouterOptions {
  hosts: readonly ReplicaReadHost[];
  chooser: ReplicaChooser;
  /** The host the writer uses now: the fallback for reads. */
  primary: () => string;
  maxReplicaLagMs: number;
  lagCheckIntervalMs: number;
  clock: Clock;
  events: Emitter<ReplicaReadEvents>;
}

export interface ReplicaReadRouter {
  readonly reads: ReadQueryable;
  hosts(): ReplicaHostStatus[];
  /**
   * Measures again every host whose last measurement is `lagCheckIntervalMs` old (or never made),
   * all at once, and resolves with `hosts()`; never rejects. A host that fails its measurement is
   * `down`; one that has not answered within `timeoutMs` (when given) is `down` too, until its
   * measurement answers.
   */
  refresh(timeoutMs?: number): Promise<ReplicaHostStatus[]>;
  /** Stale-tolerant reads the primary answered because no replica qualified. */
  readonly primaryReads: number;
  /** Stops background checks from starting (the pools are closed by their owner). */
  close(): void;
}

interface HostState extends ReplicaHostStatus {
  db: ReadQueryable;
  checking?: Promise<void>;
}

/** How a failed replica read speaks of the replica (the failover group's words). */
export function classifyReplicaReadError(error: unknown): ReplicaOutcome {
  if (isConnectionError(error)) return 'gateway';
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return 'neutral';
  // 53: out of connections or memory; 58: the server's own I/O failure.
  if (code.startsWith('53') || code.startsWith('58')) return 'gateway';
  // 40001 on a standby: cancelled by a conflict with recovery (the primary's vacuum removed rows it read).
  if (code === '40001') return 'failure';
  return 'neutral';
}

const message = (error: unknown): string => sanitizeText(error instanceof Error ? error.message : String(error));

export function replicaReadRouter(o: ReplicaReadRouterOptions): ReplicaReadRouter {
  const states = new Map<string, HostState>(o.hosts.map((h) => [h.name, { name: h.name, db: h.db, condition: 'unchecked', reads: 0 }]));
  let primaryReads = 0;
  let closed = false;

  const become = (state: HostState, to: ReplicaCondition, lagMs: number | undefined, error: string | undefined): void => {
    const from = state.condition;
    state.condition = to;
    state.lagMs = lagMs;
    state.error = error;
    state.checkedAt = o.clock.now();
    if (from !== to && o.events.has('stateChange')) {
      o.events.emit('stateChange', { host: state.name, from, to, ...(lagMs === undefined ? {} : { lagMs }), ...(error === undefined ? {} : { error }), at: state.checkedAt });
    }
  };

  const check = (state: HostState): Promise<void> => {
    state.checking ??= measureReplicaLag(state.db)
      .then(
        (lag) => {
          if (lag.role === 'primary') become(state, 'primary', undefined, undefined);
          else become(state, lag.lagMs !== undefined && lag.lagMs <= o.maxReplicaLagMs ? 'caught-up' : 'lagging', lag.lagMs, undefined);
        },
        (error: unknown) => become(state, 'down', undefined, message(error)),
      )
      .finally(() => {
        state.checking = undefined;
      });
    return state.checking;
  };

  const isStale = (state: HostState): boolean => state.checkedAt === undefined || o.clock.now() - state.checkedAt >= o.lagCheckIntervalMs;

  /** Whether `state` may answer a stale read now; checks its lag first when the last check is too old. */
  const usable = async (state: HostState): Promise<{ ok: boolean; checkedNow: boolean }> => {
    const stale = isStale(state);
    if (stale && state.condition === 'down') {
      if (!closed) void check(state); // the next read finds out; this one does not wait on a dead host
      return { ok: false, checkedNow: false };
    }
    if (stale || state.checking) {
      await check(state);
      return { ok: state.condition === 'caught-up', checkedNow: true };
    }
    return { ok: state.condition === 'caught-up', checkedNow: false };
  };

  const read = async <T>(op: (db: ReadQueryable) => Promise<T>): Promise<T> => {
    const primary = o.primary();
    const tried = new Set<string>([primary]);
    for (let i = 0; i < states.size; i++) {
      let picked: PickedReplica;
      try {
        picked = o.chooser.pick(tried);
      } catch {
        break; // nothing to pick (a group whose endpoints are all drained): the primary answers
      }
      if (tried.has(picked.name)) {
        o.chooser.record(picked, 'neutral', 0);
        break;
      }
      tried.add(picked.name);
      const state = states.get(picked.name);
      if (!state) {
        o.chooser.record(picked, 'neutral', 0);
        continue;
      }
      const { ok, checkedNow } = await usable(state);
      if (!ok) {
        // A host just found out of reach is the group's business; lag or a cached verdict is not.
        o.chooser.record(picked, checkedNow && state.condition === 'down' ? 'gateway' : 'neutral', 0);
        continue;
      }
      const startedAt = o.clock.now();
      try {
        const result = await op(state.db);
        o.chooser.record(picked, 'success', o.clock.now() - startedAt);
        state.reads++;
        return result;
      } catch (error) {
        const outcome = classifyReplicaReadError(error);
        o.chooser.record(picked, outcome, o.clock.now() - startedAt);
        if (outcome === 'neutral') throw error;
        if (outcome === 'gateway') become(state, 'down', undefined, message(error));
      }
    }
    const fallback = states.get(primary);
    if (!fallback) throw new Error(`replica reads: the primary ${primary} is not one of the hosts`);
    primaryReads++;
    fallback.reads++;
    return op(fallback.db);
  };

  const hosts = (): ReplicaHostStatus[] =>
    [...states.values()].map(({ name, condition, lagMs, checkedAt, error, reads }) => ({
      name,
      condition,
      reads,
      ...(lagMs === undefined ? {} : { lagMs }),
      ...(checkedAt === undefined ? {} : { checkedAt }),
      ...(error === undefined ? {} : { error }),
    }));

  const refresh = async (timeoutMs?: number): Promise<ReplicaHostStatus[]> => {
    const due = closed ? [] : [...states.values()].filter((s) => isStale(s) || s.checking);
    if (due.length === 0) return hosts();
    const checks = Promise.all(due.map((s) => check(s)));
    if (timeoutMs === undefined) {
      await checks;
      return hosts();
    }
    let cancel: (() => void) | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      if (o.clock.setTimer) cancel = o.clock.setTimer(timeoutMs, () => resolve(true));
      else void o.clock.sleep(timeoutMs).then(() => resolve(true));
    });
    const late = await Promise.race([checks.then(() => false), timedOut]);
    cancel?.();
    if (late) {
      // Still measuring: down until the measurement answers (which then says what the host is).
      for (const s of due) if (s.checking) become(s, 'down', undefined, `lag check did not answer within ${timeoutMs} ms`);
    }
    return hosts();
  };

  return {
    reads: {
      dialect: 'postgres',
      all: <R extends Row>(sql: string, params?: readonly SqlValue[]) => read((db) => db.all<R>(sql, params)),
      one: <R extends Row>(sql: string, params?: readonly SqlValue[]) => read((db) => db.one<R>(sql, params)),
    },
    hosts,
    refresh,
    get primaryReads() {
      return primaryReads;
    },
    close() {
      closed = true;
    },
  };
}
