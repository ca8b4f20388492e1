/**
 * Leader election over a PostgreSQL advisory lock: the leader holds a session lock on a connection
 * of its own, and leads for as long as that connection lives. When its process dies, the server
 * drops the session and the lock with it; a contender asking every `retryMs` takes over. Each new
 * leadership takes a fencing token from a row of `bulwark_leader_terms` (incremented, never
 * reset), for guarded writes (`claimFence`). The Redis lease (leader.ts) is the other form.
 */
import { hostname } from 'node:os';
import type pg from 'pg';
import { loadPeer } from '../core/peer.js';
import { type CancelTimer, type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkInteger, checkNonEmptyString } from '../core/option-checks.js';
import { withDefaults } from '../core/options.js';
import { type DeposedReason, ElectionBase } from './election-base.js';

export interface PostgresLeaderElectionOptions {
  /** Where to connect; the election opens one connection of its own. */
  connectionString: string;
  /** The duty elected for; contenders with the same name on the same database elect one leader. */
  name: string;
  /** This process's name, shown as the connection's application_name; default: host and pid. */
  instance?: string;
  /** How often a contender asks for the lock, and the leader checks its connection (ms). */
  retryMs?: number;
  /** A leader whose connection check has not answered for this long steps down (ms). */
  checkTimeoutMs?: number;
  /** Source of time for the attempts and checks. */
  clock?: Clock;
}

export const POSTGRES_LEADER_ELECTION_DEFAULTS = {
  // A dead leader's duties wait about a second once the server has dropped its session.
  retryMs: 1_000,
  // A connection silent this long is as good as gone; a busy server answers SELECT 1 much sooner.
  checkTimeoutMs: 5_000,
  // Wall-clock time; inject a ManualClock in tests.
  clock: systemClock as Clock,
};

/** The table of fencing tokens; created (if absent) in the connection's schema on first use. */
export const LEADER_TERMS_TABLE_SQL = 'CREATE TABLE IF NOT EXISTS bulwark_leader_terms (name text PRIMARY KEY, token bigint NOT NULL)';

export class PostgresLeaderElection extends ElectionBase {
  readonly name: string;
  readonly instance: string;
  private readonly options: Required<Omit<PostgresLeaderElectionOptions, 'name' | 'instance'>>;
  private client: pg.Client | undefined;
  private busy = false;

  constructor(options: PostgresLeaderElectionOptions) {
    super();
    const o = withDefaults(POSTGRES_LEADER_ELECTION_DEFAULTS, options);
    if (typeof o.connectionString !== 'string' || o.connectionString === '') throw new TypeError('postgresLeaderElection: connectionString must be a non-empty string');
    checkNonEmptyString('postgresLeaderElection', 'name', o.name);
    checkInteger('postgresLeaderElection', 'retryMs', o.retryMs, 1);
    checkInteger('postgresLeaderElection', 'checkTimeoutMs', o.checkTimeoutMs, 1);
    this.name = o.name;
    this.instance = o.instance ?? `${hostname()}:${process.pid}`;
    this.options = o;
  }

  /** Stops contending; a leader unlocks and closes its connection, so another takes over at its next attempt. */
  async stop(): Promise<void> {
    this.stopTicking();
    this.depose('resigned');
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined); // ending the session releases the lock
  }

  protected tick(): void {
    this.cancelTick = undefined;
    if (!this.running) return;
    this.cancelTick = setTimerOn(this.options.clock, this.options.retryMs, () => this.tick());
    if (this.busy) return;
    this.busy = true;
    const attempt = this.current === undefined ? this.contend() : this.check();
    attempt.then(
      () => (this.busy = false),
      (error: unknown) => {
        this.busy = false;
        this.events.emit('error', { error });
        this.drop('lost');
      },
    );
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new (loadPeer<typeof pg>('pg', 'the PostgreSQL leader election').Client)({ connectionString: this.options.connectionString, keepAlive: true, application_name: `bulwark leader ${this.instance}`.slice(0, 63) });
    client.on('error', (error) => {
      this.events.emit('error', { error });
      if (this.client === client) this.drop('lost');
    });
    client.on('end', () => {
      if (this.client === client) this.drop('lost');
    });
    this.client = client;
    await client.connect();
    return client;
  }

  private async contend(): Promise<void> {
    const client = await this.connect();
    const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [`bulwark leader ${this.name}`]);
    if (!locked.rows[0]?.locked || !this.running) return;
    await client.query(LEADER_TERMS_TABLE_SQL);
    const term = await client.query<{ token: string }>(
      `INSERT INTO bulwark_leader_terms (name, token) VALUES ($1, 1)
       ON CONFLICT (name) DO UPDATE SET token = bulwark_leader_terms.token + 1 RETURNING token`,
      [this.name],
    );
    const token = Number(term.rows[0]!.token);
    if (this.client !== client) return; // the connection died meanwhile
    this.elect(token);
  }

  /** The leader's connection still answers, within checkTimeoutMs; else it steps down. */
  private async check(): Promise<void> {
    const client = this.client;
    if (!client) return this.depose('lost');
    let cancel: CancelTimer | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (cancel = setTimerOn(this.options.clock, this.options.checkTimeoutMs, () => resolve('timeout'))));
    const answer = await Promise.race([client.query('SELECT 1').then(() => 'ok' as const), timedOut]);
    cancel?.();
    if (answer === 'timeout') this.drop('expired');
  }

  /** Leadership is gone with the connection: close it, so the server releases the lock for sure. */
  private drop(reason: DeposedReason): void {
    const client = this.client;
    this.client = undefined;
    this.depose(reason);
    if (client) void client.end().catch(() => undefined);
  }
}

/** A leader election over a PostgreSQL advisory lock; call `start()`. See PostgresLeaderElection. */
export function postgresLeaderElection(options: PostgresLeaderElectionOptions): PostgresLeaderElection {
  return new PostgresLeaderElection(options);
}
