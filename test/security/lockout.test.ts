import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { LOCKOUT_DEFAULTS, Lockout } from '../../src/security/lockout.js';

describe('Lockout', () => {
  it('lets the free attempts through, then locks for 1 s, 2 s, 4 s ... up to the cap', () => {
    const clock = new ManualClock(0);
    const lockout = new Lockout({ clock, freeAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 5_000 });
    const waits = Array.from({ length: 7 }, () => lockout.failure('10.0.0.1', 'bad-token'));
    expect(waits).toEqual([0, 0, 0, 1_000, 2_000, 4_000, 5_000]);
    expect(lockout.delayAfter(100)).toBe(5_000);
  });

  it('a locked source is told how long to wait, and may try again once the wait is over', async () => {
    const clock = new ManualClock(0);
    const lockout = new Lockout({ clock, freeAttempts: 1, baseDelayMs: 1_000 });
    lockout.failure('a', 'failed-login');
    expect(lockout.check('a')).toEqual({ locked: false, retryAfterMs: 0 });
    lockout.failure('a', 'failed-login');
    expect(lockout.check('a')).toEqual({ locked: true, retryAfterMs: 1_000 });
    expect(lockout.check('b').locked).toBe(false);
    await clock.advance(400);
    expect(lockout.check('a')).toEqual({ locked: true, retryAfterMs: 600 });
    await clock.advance(600);
    expect(lockout.check('a').locked).toBe(false);
    expect(lockout.active()).toEqual([]);
  });

  it('a success wipes the count; a source quiet for forgetAfterMs starts afresh', async () => {
    const clock = new ManualClock(0);
    const lockout = new Lockout({ clock, freeAttempts: 2, forgetAfterMs: 60_000 });
    lockout.failure('a', 'bad-token');
    lockout.failure('a', 'bad-token');
    lockout.success('a');
    expect(lockout.failure('a', 'bad-token')).toBe(0);
    lockout.failure('a', 'bad-token');
    await clock.advance(60_000);
    expect(lockout.failure('a', 'bad-token')).toBe(0);
  });

  it('announces the lock once (stateChange too-many-failures) and lists it while it lasts', () => {
    const clock = new ManualClock(0);
    const lockout = new Lockout({ clock, freeAttempts: 1 });
    const changes: unknown[] = [];
    lockout.on('stateChange', (c) => changes.push(c));
    lockout.failure('a', 'bad-token');
    lockout.failure('a', 'bad-token');
    lockout.failure('a', 'bad-token');
    expect(changes).toEqual([{ source: 'a', from: 'open', to: 'locked', reason: 'too-many-failures', until: 1_000, at: 0 }]);
    expect(lockout.active()).toEqual([{ source: 'a', failures: 3, lockedUntil: 2_000, lastKind: 'bad-token' }]);
  });

  it('reports brute force once per window when N failures fall within it, not when they are spread out', async () => {
    const clock = new ManualClock(0);
    const lockout = new Lockout({ clock, freeAttempts: 100, bruteForceFailures: 5, bruteForceWindowMs: 10_000 });
    const reports: Array<{ source: string; failures: number }> = [];
    lockout.on('bruteForce', (r) => reports.push(r));
    // Spread: one failure every 3 s; any five span 12 s > window.
    for (let i = 0; i < 8; i++) {
      lockout.failure('slow', 'failed-login');
      await clock.advance(3_000);
    }
    expect(reports).toEqual([]);
    for (let i = 0; i < 12; i++) lockout.failure('fast', 'bad-token');
    expect(reports.map((r) => [r.source, r.failures])).toEqual([['fast', 5]]);
    await clock.advance(10_000);
    for (let i = 0; i < 5; i++) lockout.failure('fast', 'bad-token');
    expect(reports).toHaveLength(2);
  });

  it('keeps at most maxSources sources, dropping the least recently seen', () => {
    const lockout = new Lockout({ clock: new ManualClock(0), freeAttempts: 0, maxSources: 3 });
    for (const s of ['a', 'b', 'c', 'd']) lockout.failure(s, 'bad-token');
    expect(lockout.size).toBe(3);
    expect(lockout.check('a').locked).toBe(false);
    expect(lockout.check('d').locked).toBe(true);
  });

  it('refuses bad options naming the field', () => {
    expect(() => new Lockout({ freeAttempts: -1 })).toThrow(/lockout: freeAttempts/);
    expect(() => new Lockout({ baseDelayMs: 5_000, maxDelayMs: 1_000 })).toThrow(/lockout: maxDelayMs/);
    expect(LOCKOUT_DEFAULTS.freeAttempts).toBeGreaterThan(0);
  });
});
