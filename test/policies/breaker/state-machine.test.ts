import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { backoff } from '../../../src/policies/backoff.js';
import { CircuitState, CircuitStateMachine, type StateChange } from '../../../src/policies/breaker/state-machine.js';
import { ConsecutiveWindow } from '../../../src/policies/breaker/windows/consecutive.js';
import { FAILED } from '../../../src/policies/breaker/windows/window.js';

function machine(openMs: ConstructorParameters<typeof CircuitStateMachine>[0] = 1_000) {
  const clock = new ManualClock();
  const window = new ConsecutiveWindow(3);
  const changes: StateChange[] = [];
  const m = new CircuitStateMachine(openMs, window, clock, (c) => changes.push(c));
  return { clock, window, changes, m };
}

describe('circuit state machine', () => {
  it('trip sets the open deadline; refresh moves to half-open only once it has passed', () => {
    const { m, changes } = machine();
    m.trip('consecutive-failures', 100);
    expect(m.state).toBe(CircuitState.Open);
    expect(m.openUntil).toBe(1_100);
    expect(m.refresh(1_099)).toBe(CircuitState.Open);
    expect(m.refresh(1_100)).toBe(CircuitState.HalfOpen);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open']);
  });

  it('bumps the generation and clears the trial counters on every transition', () => {
    const { m } = machine();
    const g0 = m.generation;
    m.trip('failure-rate', 0);
    m.halfOpen(1_000);
    m.trialsAdmitted = 1;
    m.trialsFinished = 1;
    m.reopen('trial-failed', 1_000);
    expect(m.generation).toBe(g0 + 3);
    expect([m.trialsAdmitted, m.trialsFinished]).toEqual([0, 0]);
  });

  it('close empties the window and resets the open-duration growth', () => {
    const { m, window } = machine(backoff.linear({ initialMs: 100, stepMs: 100 }));
    window.record(FAILED);
    m.trip('consecutive-failures', 0);
    expect(m.openUntil).toBe(100);
    m.halfOpen(100);
    m.reopen('trial-failed', 100);
    expect(m.openUntil).toBe(300);
    expect(m.opens).toBe(2);
    m.halfOpen(300);
    m.close(300);
    expect(window.totals().calls).toBe(0);
    expect(m.opens).toBe(0);
    m.trip('consecutive-failures', 1_000);
    expect(m.openUntil).toBe(1_100);
  });

  it('reset from the closed state changes nothing visible but voids in-flight trials', () => {
    const { m, changes } = machine();
    const g = m.generation;
    m.reset(0);
    expect(changes).toEqual([]);
    expect(m.generation).toBe(g + 1);
  });
});
