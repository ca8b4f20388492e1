/**
 * Graceful shutdown in fixed phases:
 *   not-ready -> delay (so a load balancer stops sending) -> stop-accepting (close listeners and
 *   idle keep-alive connections) -> drain (in-flight work: beacons, bulkheads, open requests)
 *   until a deadline -> hooks (by priority, each with its own timeout) -> exit.
 * A hook that hangs or throws never stops the others; a second signal forces exit at once.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkFunction, checkNumber } from '../core/option-checks.js';
import { sanitizeText } from '../core/secrets.js';
import { deadlinesOf } from '../core/timers.js';
import { describeReason, exitCodeFor, type ShutdownReason } from './exit-code.js';

export type ShutdownPhase = 'running' | 'not-ready' | 'delay' | 'stop-accepting' | 'drain' | 'hooks' | 'exit';

export interface ShutdownOptions {
  clock?: Clock;
  /** Wait after marking not ready, so load balancers see /readyz fail and stop sending. */
  readyDelayMs?: number;
  /** Longest wait for in-flight work to finish. */
  drainTimeoutMs?: number;
  /** Timeout of a hook that sets none. */
  hookTimeoutMs?: number;
  /** How often drain sources that cannot notify (bulkheads) are re-read. */
  drainPollMs?: number;
  /** Ends the process; injected in tests. */
  exit?: (code: number) => void;
}

export const SHUTDOWN_DEFAULTS = {
  readyDelayMs: 5_000, // Kubernetes endpoints and most LBs notice a failing probe within ~5 s
  drainTimeoutMs: 30_000, // Kubernetes' default grace period is 30 s
  hookTimeoutMs: 10_000, // long enough to flush a journal or close a pool, short enough to finish
  drainPollMs: 50, // a bulkhead's count read 20 times a second costs nothing
} as const;

/** An HTTP server (node's, or anything alike) whose listener is closed in the stop-accepting phase. */
export interface StoppableServer {
  close(callback?: (error?: Error) => void): unknown;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

export interface HookOptions {
  /** Higher runs first; equal priorities run in registration order. */
  priority?: number;
  timeoutMs?: number;
}

export type ShutdownHook = (ctx: { signal: AbortSignal; reason: ShutdownReason }) => unknown;

/** One unit of in-flight work; `done()` is idempotent. */
export interface Beacon {
  readonly name: string;
  done(): void;
}

export interface ShutdownEvents {
  phase: { phase: ShutdownPhase; at: number; reason: ShutdownReason };
  hookDone: { name: string; durationMs: number };
  hookFailed: { name: string; error: unknown; timedOut: boolean };
  drained: { inFlight: number; timedOut: boolean };
  forced: { reason: ShutdownReason; code: number };
  uncaught: { error: unknown; during: ShutdownPhase };
}

interface Hook {
  name: string;
  fn: ShutdownHook;
  priority: number;
  timeoutMs: number;
  seq: number;
}

function nonNegative(component: string, option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  checkNumber(component, option, value, 0);
  return value;
}

export class GracefulShutdown implements EventSource<ShutdownEvents> {
  private readonly clock: Clock;
  private readonly readyDelayMs: number;
  private readonly drainTimeoutMs: number;
  private readonly hookTimeoutMs: number;
  private readonly drainPollMs: number;
  private readonly exit: (code: number) => void;
  private readonly events = new Emitter<ShutdownEvents>();
  private readonly hooks: Hook[] = [];
  private readonly servers = new Set<StoppableServer>();
  private readonly sources = new Map<string, () => number>();
  private readonly beacons = new Set<Beacon>();
  private pendingCloses = 0;
  private seq = 0;
  private wake: (() => void) | undefined;
  private current: ShutdownPhase = 'running';
  private running: Promise<number> | undefined;
  private exited = false;

  constructor(options: ShutdownOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.readyDelayMs = nonNegative('gracefulShutdown', 'readyDelayMs', options.readyDelayMs, SHUTDOWN_DEFAULTS.readyDelayMs);
    this.drainTimeoutMs = nonNegative('gracefulShutdown', 'drainTimeoutMs', options.drainTimeoutMs, SHUTDOWN_DEFAULTS.drainTimeoutMs);
    this.hookTimeoutMs = nonNegative('gracefulShutdown', 'hookTimeoutMs', options.hookTimeoutMs, SHUTDOWN_DEFAULTS.hookTimeoutMs);
    this.drainPollMs = nonNegative('gracefulShutdown', 'drainPollMs', options.drainPollMs, SHUTDOWN_DEFAULTS.drainPollMs) || SHUTDOWN_DEFAULTS.drainPollMs;
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  on<K extends keyof ShutdownEvents & string>(name: K, listener: Listener<ShutdownEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** False from the first phase on: /readyz fails while shutting down. */
  get ready(): boolean {
    return this.current === 'running';
  }

  get phase(): ShutdownPhase {
    return this.current;
  }

  /** Units of in-flight work now: open beacons, drain sources, servers still closing. */
  get inFlight(): number {
    let total = this.beacons.size + this.pendingCloses;
    for (const read of this.sources.values()) total += Math.max(0, read());
    return total;
  }

  addServer(server: StoppableServer): Unsubscribe {
    this.servers.add(server);
    return () => this.servers.delete(server);
  }

  /** Registers a hook run in the hooks phase. */
  addHook(name: string, fn: ShutdownHook, options: HookOptions = {}): Unsubscribe {
    const where = `gracefulShutdown.addHook "${name}"`;
    checkFunction(where, 'fn', fn);
    const priority = options.priority ?? 0;
    checkNumber(where, 'priority', priority, -Infinity);
    const hook: Hook = { name, fn, priority, timeoutMs: nonNegative(where, 'timeoutMs', options.timeoutMs, this.hookTimeoutMs), seq: this.seq++ };
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** A source of in-flight work that cannot notify (e.g. a bulkhead's running count), polled while draining. */
  addDrainSource(name: string, inFlight: () => number): Unsubscribe {
    this.sources.set(name, inFlight);
    return () => this.sources.delete(name);
  }

  /** Marks one unit of in-flight work; the drain phase waits until every beacon is done. */
  beacon(name = 'work'): Beacon {
    let open = true;
    const beacon: Beacon = {
      name,
      done: () => {
        if (!open) return;
        open = false;
        this.beacons.delete(beacon);
        this.notify();
      },
    };
    this.beacons.add(beacon);
    return beacon;
  }

  /** Tracks a promise as in-flight work until it settles; returns it unchanged. */
  track<T>(work: Promise<T>, name?: string): Promise<T> {
    const beacon = this.beacon(name);
    work.then(beacon.done, beacon.done);
    return work;
  }

  /**
   * Handles SIGINT, SIGTERM (SIGBREAK on Windows), uncaught exceptions and unhandled rejections.
   * A second signal while stopping forces exit with that signal's code. Returns an uninstaller.
   */
  install(target: NodeJS.Process = process): Unsubscribe {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(process.platform === 'win32' ? (['SIGBREAK'] as NodeJS.Signals[]) : [])];
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.running) this.force({ signal });
      else void this.shutdown({ signal });
    };
    const onError = (error: unknown): void => {
      // Nobody listening: the crash must not vanish silently.
      if (!this.events.has('uncaught')) target.stderr?.write?.(`uncaught: ${sanitizeText(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
      this.events.emit('uncaught', { error, during: this.current });
      if (!this.running) void this.shutdown({ error });
    };
    for (const signal of signals) target.on(signal, onSignal);
    target.on('uncaughtException', onError);
    target.on('unhandledRejection', onError);
    return () => {
      for (const signal of signals) target.off(signal, onSignal);
      target.off('uncaughtException', onError);
      target.off('unhandledRejection', onError);
    };
  }

  /** Exits at once with the reason's code, skipping what is left. */
  force(reason: ShutdownReason): void {
    if (this.exited) return;
    const code = exitCodeFor(reason);
    this.events.emit('forced', { reason, code });
    this.exited = true;
    this.exit(code);
  }

  /** Runs the phases once (later calls return the same promise) and resolves to the exit code used. */
  shutdown(reason: ShutdownReason = { code: 0 }): Promise<number> {
    this.running ??= this.runPhases(reason);
    return this.running;
  }

  private enter(phase: ShutdownPhase, reason: ShutdownReason): void {
    this.current = phase;
    this.events.emit('phase', { phase, at: this.clock.now(), reason });
  }

  private async runPhases(reason: ShutdownReason): Promise<number> {
    this.enter('not-ready', reason);
    this.enter('delay', reason);
    if (this.readyDelayMs > 0) await this.clock.sleep(this.readyDelayMs);
    this.enter('stop-accepting', reason);
    this.stopAccepting();
    this.enter('drain', reason);
    await this.drain();
    this.enter('hooks', reason);
    await this.runHooks(reason);
    const code = exitCodeFor(reason);
    this.enter('exit', reason);
    if (!this.exited) {
      this.exited = true;
      this.exit(code);
    }
    return code;
  }

  private stopAccepting(): void {
    for (const server of this.servers) {
      this.pendingCloses++;
      let closed = false;
      const onClosed = (): void => {
        if (closed) return;
        closed = true;
        this.pendingCloses--;
        this.notify();
      };
      try {
        server.close(onClosed);
        server.closeIdleConnections?.();
      } catch {
        onClosed(); // already closed
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async drain(): Promise<void> {
    const deadline = this.clock.now() + this.drainTimeoutMs;
    for (;;) {
      const inFlight = this.inFlight;
      if (inFlight === 0) {
        this.events.emit('drained', { inFlight: 0, timedOut: false });
        return;
      }
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        for (const server of this.servers) server.closeAllConnections?.();
        this.events.emit('drained', { inFlight, timedOut: true });
        return;
      }
      const controller = new AbortController();
      const woken = new Promise<void>((resolve) => (this.wake = resolve));
      const wait = this.sources.size > 0 ? Math.min(this.drainPollMs, remaining) : remaining;
      await Promise.race([woken, this.clock.sleep(wait, controller.signal).catch(() => undefined)]);
      controller.abort();
    }
  }

  private async runHooks(reason: ShutdownReason): Promise<void> {
    const ordered = [...this.hooks].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    for (const hook of ordered) {
      const started = this.clock.now();
      const controller = new AbortController();
      let timedOut = false;
      let cancel: (() => void) | undefined;
      const timer = new Promise<void>((resolve) => {
        const deadline = deadlinesOf(this.clock).add(hook.timeoutMs, () => {
          timedOut = true;
          controller.abort(new TimeoutError(hook.timeoutMs, `shutdown hook "${hook.name}" timed out after ${hook.timeoutMs} ms`));
          resolve();
        });
        cancel = () => deadline.cancel();
      });
      try {
        await Promise.race([Promise.resolve().then(() => hook.fn({ signal: controller.signal, reason })), timer]);
        if (timedOut) this.events.emit('hookFailed', { name: hook.name, error: controller.signal.reason, timedOut: true });
        else this.events.emit('hookDone', { name: hook.name, durationMs: this.clock.now() - started });
      } catch (error) {
        this.events.emit('hookFailed', { name: hook.name, error, timedOut: false });
      } finally {
        cancel?.();
      }
    }
  }

  /** A one-line summary of why it is stopping, for logs. */
  static describe(reason: ShutdownReason): string {
    return describeReason(reason);
  }
}

/** A shutdown coordinator; call `install()` to handle signals and crashes. */
export function gracefulShutdown(options?: ShutdownOptions): GracefulShutdown {
  return new GracefulShutdown(options);
}
