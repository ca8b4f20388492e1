/**
 * A singleton duty bound to a leader election: `start(token)` when this process is elected,
 * `stop()` when it is deposed or the binding is closed. Starts and stops run one at a time in the
 * order the election announced them, so a quick elected-deposed-elected never leaves the duty
 * running twice or stopped while leading. Works with either election (Redis lease or PostgreSQL
 * advisory lock): both announce `elected` and `deposed`.
 */
import type { Listener, Unsubscribe } from '../core/events.js';
import { type LeaderElection, type LeaderElectionOptions, leaderElection } from './leader.js';

/** The part of an election a duty needs (LeaderElection and PostgresLeaderElection fit). */
export interface ElectionLike {
  readonly isLeader: boolean;
  readonly token: number | undefined;
  on(name: 'elected', listener: Listener<{ token: number }>): Unsubscribe;
  on(name: 'deposed', listener: Listener<{ token: number; reason: string }>): Unsubscribe;
}

export interface LeaderDuty {
  /** Shown in errors and in the instance's snapshot (`duties`). */
  name: string;
  /** Takes the duty up; `token` is the fencing token to carry on guarded writes. */
  start(token: number): void | Promise<void>;
  /** Puts the duty down; by the time it resolves nothing of it runs. */
  stop(): void | Promise<void>;
}

export interface LeaderDutyBinding {
  /** True while the duty runs here. */
  readonly active: boolean;
  /** Stops listening, and stops the duty if it runs; resolves once it has stopped. */
  close(): Promise<void>;
}

/** Runs `duty` while `election` says this process leads. `onError`: a start or stop that threw (the binding goes on). */
export function whileLeader(election: ElectionLike, duty: LeaderDuty, onError: (error: unknown, phase: 'start' | 'stop') => void = () => undefined): LeaderDutyBinding {
  let active = false;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  const run = (want: boolean, token?: number): Promise<void> =>
    (chain = chain.then(async () => {
      if (want === active || (want && closed)) return;
      try {
        if (want) await duty.start(token!);
        else await duty.stop();
      } catch (error) {
        onError(error, want ? 'start' : 'stop');
      }
      active = want;
    }));
  const offElected = election.on('elected', ({ token }) => void run(true, token));
  const offDeposed = election.on('deposed', () => void run(false));
  if (election.isLeader && election.token !== undefined) void run(true, election.token);
  return {
    get active() {
      return active;
    },
    async close() {
      closed = true;
      offElected();
      offDeposed();
      await run(false);
    },
  };
}

export interface LedDuty {
  readonly election: LeaderElection;
  readonly binding: LeaderDutyBinding;
  /** Stops contending (a leader gives the lease up at once), then waits for the duty to stop. */
  close(): Promise<void>;
}

/** Contends for `duty.name` over a Redis lease and runs the duty while this process leads (whileLeader). */
export function leadDuty(options: Omit<LeaderElectionOptions, 'name'>, duty: LeaderDuty, onError?: (error: unknown, phase: 'start' | 'stop') => void): LedDuty {
  const election = leaderElection({ ...options, name: duty.name });
  const binding = whileLeader(election, duty, onError);
  election.start();
  return {
    election,
    binding,
    async close() {
      await election.stop();
      await binding.close();
    },
  };
}
