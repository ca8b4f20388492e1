/**
 * What both leader elections share (Redis lease, leader.ts; PostgreSQL advisory lock,
 * leader-postgres.ts): the events, the current fencing token, starting, and stepping down. Each
 * election supplies its own `tick()` (ask for or keep the leadership) and `stop()`.
 */
import type { CancelTimer } from '../core/clock.js';
import { Emitter, type Listener, type Unsubscribe } from '../core/events.js';

export type DeposedReason =
  /** The lease or lock was found gone or held by another. */
  | 'lost'
  /** Leadership could not be confirmed in time (Redis unreachable, the connection silent). */
  | 'expired'
  /** `stop()` gave the leadership up. */
  | 'resigned';

export interface LeaderElectionEvents {
  /** This process leads; `token` goes with every guarded write. */
  elected: { token: number };
  /** This process no longer leads: stop the duty, the token is stale. */
  deposed: { token: number; reason: DeposedReason };
  /** A command to Redis or PostgreSQL failed; contending goes on. */
  error: { error: unknown };
}

export abstract class ElectionBase {
  protected readonly events = new Emitter<LeaderElectionEvents>();
  /** The fencing token while leading. */
  protected current: number | undefined;
  protected running = false;
  protected cancelTick: CancelTimer | undefined;

  /** True while this process leads. */
  get isLeader(): boolean {
    return this.current !== undefined;
  }

  /** The fencing token of the current leadership; undefined when not leading. */
  get token(): number | undefined {
    return this.current;
  }

  on<K extends keyof LeaderElectionEvents & string>(name: K, listener: Listener<LeaderElectionEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** Starts contending (the first attempt goes out at once). */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.tick();
    return this;
  }

  /** One attempt to take or keep the leadership; schedules the next. */
  protected abstract tick(): void;

  /** Stops asking: no attempt after this one. */
  protected stopTicking(): void {
    this.running = false;
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  protected elect(token: number): void {
    this.current = token;
    this.events.emit('elected', { token });
  }

  protected depose(reason: DeposedReason): void {
    const token = this.current;
    if (token === undefined) return;
    this.current = undefined;
    this.events.emit('deposed', { token, reason });
  }
}
