import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { exitCodeFor } from '../../src/shutdown/exit-code.js';
import { GracefulShutdown } from '../../src/shutdown/shutdown.js';

function setup(options: ConstructorParameters<typeof GracefulShutdown>[0] = {}) {
  const clock = new ManualClock();
  const exits: number[] = [];
  const shutdown = new GracefulShutdown({ clock, exit: (code) => exits.push(code), readyDelayMs: 1_000, drainTimeoutMs: 5_000, hookTimeoutMs: 2_000, ...options });
  const log: string[] = [];
  shutdown.on('phase', (e) => log.push(`${e.phase}@${e.at}`));
  shutdown.on('hookDone', (e) => log.push(`done:${e.name}`));
  shutdown.on('hookFailed', (e) => log.push(`failed:${e.name}:${e.timedOut ? 'timeout' : 'error'}`));
  shutdown.on('drained', (e) => log.push(`drained:${e.inFlight}:${e.timedOut}`));
  return { clock, exits, shutdown, log };
}

describe('GracefulShutdown', () => {
  it('runs the phases in order, waiting the ready delay before it stops accepting', async () => {
    const { clock, exits, shutdown, log } = setup();
    expect(shutdown.ready).toBe(true);
    const done = shutdown.shutdown({ signal: 'SIGTERM' });
    expect(shutdown.ready).toBe(false);
    await clock.advance(999);
    expect(log).toEqual(['not-ready@0', 'delay@0']);
    await clock.advance(1);
    expect(await done).toBe(143);
    expect(log).toEqual(['not-ready@0', 'delay@0', 'stop-accepting@1000', 'drain@1000', 'drained:0:false', 'hooks@1000', 'exit@1000']);
    expect(exits).toEqual([143]);
  });

  it('gives each hook its own timeout; a hanging or throwing hook never stops the others', async () => {
    const { clock, exits, shutdown, log } = setup({ readyDelayMs: 0 });
    let hangSignal: AbortSignal | undefined;
    shutdown.addHook('last', () => log.push('run:last'), { priority: -1 });
    shutdown.addHook('hang', ({ signal }) => ((hangSignal = signal), new Promise(() => undefined)), { priority: 5, timeoutMs: 3_000 });
    shutdown.addHook('throws', () => Promise.reject(new Error('nope')), { priority: 1 });
    shutdown.addHook('first', () => log.push('run:first'), { priority: 10 });
    const done = shutdown.shutdown({ signal: 'SIGINT' });
    await clock.advance(2_999);
    expect(log).not.toContain('failed:hang:timeout');
    await clock.advance(1);
    expect(await done).toBe(130);
    expect(log.filter((l) => /^(run|done|failed)/.test(l))).toEqual(['run:first', 'done:first', 'failed:hang:timeout', 'failed:throws:error', 'run:last', 'done:last']);
    expect(hangSignal?.aborted).toBe(true);
    expect(exits).toEqual([130]);
  });

  it('drains beacons and polled sources before the hooks, until they finish', async () => {
    const { clock, shutdown, log } = setup({ readyDelayMs: 0, drainPollMs: 100 });
    const beacon = shutdown.beacon('order');
    let bulkheadRunning = 2;
    shutdown.addDrainSource('bulkhead', () => bulkheadRunning);
    shutdown.addHook('h', () => log.push('hook'));
    const done = shutdown.shutdown({ code: 0 });
    await clock.advance(500);
    expect(shutdown.inFlight).toBe(3);
    beacon.done();
    beacon.done();
    bulkheadRunning = 0;
    await clock.advance(100);
    expect(await done).toBe(0);
    expect(log).toContain('drained:0:false');
    expect(log.indexOf('drained:0:false')).toBeLessThan(log.indexOf('hook'));
  });

  it('stops waiting at the drain deadline, closes remaining connections and still runs the hooks', async () => {
    const { clock, shutdown, log } = setup({ readyDelayMs: 0, drainTimeoutMs: 5_000 });
    const calls: string[] = [];
    shutdown.addServer({
      close: () => calls.push('close'),
      closeIdleConnections: () => calls.push('idle'),
      closeAllConnections: () => calls.push('all'),
    });
    shutdown.track(new Promise(() => undefined), 'stuck');
    shutdown.addHook('h', () => log.push('hook'));
    const done = shutdown.shutdown({ signal: 'SIGTERM' });
    await clock.advance(4_999);
    expect(log).not.toContain('hook');
    await clock.advance(1);
    await done;
    expect(calls).toEqual(['close', 'idle', 'all']);
    expect(log).toContain('drained:2:true');
    expect(log).toContain('hook');
  });

  it('is idempotent: a second shutdown() returns the same run', async () => {
    const { clock, exits, shutdown } = setup({ readyDelayMs: 0 });
    const a = shutdown.shutdown({ signal: 'SIGTERM' });
    const b = shutdown.shutdown({ signal: 'SIGINT' });
    expect(a).toBe(b);
    await clock.advance(0);
    await a;
    expect(exits).toEqual([143]);
  });

  it('install(): a first signal starts the shutdown, a second forces exit; an uncaught error exits 1', async () => {
    const { clock, exits, shutdown } = setup({ readyDelayMs: 10_000 });
    const fake = new EventEmitter() as unknown as NodeJS.Process;
    const uninstall = shutdown.install(fake);
    fake.emit('SIGTERM', 'SIGTERM');
    expect(shutdown.phase).toBe('delay');
    fake.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    await clock.advance(10_000);
    expect(exits).toEqual([130]);
    uninstall();
    expect((fake as unknown as EventEmitter).listenerCount('SIGTERM')).toBe(0);

    const second = setup({ readyDelayMs: 0 });
    const written: string[] = [];
    const proc = Object.assign(new EventEmitter(), { stderr: { write: (text: string) => written.push(text) } }) as unknown as NodeJS.Process;
    second.shutdown.install(proc);
    proc.emit('uncaughtException', new Error('bug with password=hunter22'));
    await second.clock.advance(0);
    expect(second.exits).toEqual([1]);
    // With no 'uncaught' listener the crash is written to stderr, sanitised.
    expect(written.join('')).toMatch(/^uncaught: Error: bug with password=\[REDACTED\]/);
  });

  it('rejects bad options with the option named', () => {
    expect(() => new GracefulShutdown({ drainTimeoutMs: -1 })).toThrow('gracefulShutdown: drainTimeoutMs must be a finite number >= 0, got -1');
    expect(() => new GracefulShutdown().addHook('x', () => undefined, { priority: Number.NaN })).toThrow('gracefulShutdown.addHook "x": priority must be a finite number, got NaN');
    expect(() => new GracefulShutdown().addHook('x', 'stop' as never)).toThrow('gracefulShutdown.addHook "x": fn must be a function, got string');
  });

  it('derives exit codes from signals and errors', () => {
    expect(exitCodeFor({ signal: 'SIGINT' })).toBe(130);
    expect(exitCodeFor({ signal: 'SIGTERM' })).toBe(143);
    expect(exitCodeFor({ error: new Error('x') })).toBe(1);
    expect(exitCodeFor({ code: 3 })).toBe(3);
  });
});
