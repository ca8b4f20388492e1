import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { DeadlineScheduler, deadlinesOf } from '../../src/core/timers.js';

describe('DeadlineScheduler', () => {
  it('is one scheduler per clock', () => {
    const clock = new ManualClock();
    expect(deadlinesOf(clock)).toBe(deadlinesOf(clock));
    expect(deadlinesOf(new ManualClock())).not.toBe(deadlinesOf(clock));
  });

  it('fires deadlines of mixed durations in time order', async () => {
    const clock = new ManualClock();
    const deadlines = new DeadlineScheduler(clock);
    const fired: Array<[string, number]> = [];
    deadlines.add(100, () => fired.push(['100', clock.now()]));
    deadlines.add(50, () => fired.push(['50', clock.now()]));
    await clock.advance(10);
    deadlines.add(100, () => fired.push(['100 later', clock.now()]));
    deadlines.add(5, () => fired.push(['5', clock.now()]));
    await clock.advance(200);
    expect(fired.map(([name]) => name)).toEqual(['5', '50', '100', '100 later']);
    expect(fired.map(([, at]) => at)).toEqual([15, 50, 100, 110]);
  });

  it('arms a single underlying timer however many deadlines share a duration', async () => {
    const clock = new ManualClock();
    const deadlines = new DeadlineScheduler(clock);
    for (let i = 0; i < 1_000; i++) deadlines.add(1_000, () => undefined);
    expect(clock.pendingTimers).toBe(1);
    expect(deadlines.size).toBe(1_000);
  });

  it('does not run a cancelled deadline, and cancel is idempotent', async () => {
    const clock = new ManualClock();
    const deadlines = new DeadlineScheduler(clock);
    let fired = 0;
    const a = deadlines.add(10, () => fired++);
    const b = deadlines.add(10, () => fired++);
    deadlines.add(10, () => fired++);
    b.cancel();
    b.cancel();
    a.cancel();
    expect(deadlines.size).toBe(1);
    await clock.advance(10);
    expect(fired).toBe(1);
    a.cancel();
    expect(deadlines.size).toBe(0);
  });

  it('re-arms for the next head after the earliest deadline fires', async () => {
    const clock = new ManualClock();
    const deadlines = new DeadlineScheduler(clock);
    const fired: number[] = [];
    deadlines.add(10, () => fired.push(clock.now()));
    await clock.advance(5);
    deadlines.add(10, () => fired.push(clock.now()));
    await clock.advance(5);
    expect(fired).toEqual([10]);
    await clock.advance(5);
    expect(fired).toEqual([10, 15]);
  });

  it('runs a deadline added from inside a firing callback', async () => {
    const clock = new ManualClock();
    const deadlines = new DeadlineScheduler(clock);
    const fired: number[] = [];
    deadlines.add(10, () => {
      fired.push(clock.now());
      deadlines.add(10, () => fired.push(clock.now()));
    });
    await clock.advance(25);
    expect(fired).toEqual([10, 20]);
  });

  it('does not keep the process alive when idle (system clock timer is unref-ed)', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = `
      import { deadlinesOf } from './src/core/timers.ts';
      import { systemClock } from './src/core/clock.ts';
      const d = deadlinesOf(systemClock).add(60_000, () => { console.log('fired'); });
      d.cancel();
      console.log('done');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      // A ref-ed 60 s timer would hold the child past this, and execFileSync would throw.
      timeout: 15_000,
    });
    expect(out.trim()).toBe('done');
  });
});
