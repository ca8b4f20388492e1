import { describe, expect, it } from 'vitest';
import { type AlertPhase, conditionCleared, conditionMet, evaluatePhase, forElapsed, INACTIVE, resolve } from '../../../src/observe/alerts/state-machine.js';

const timing = { forMs: 5_000, keepFiringForMs: 10_000 };
const pending: AlertPhase = { state: 'pending', activeAt: 1_000 };
const firing: AlertPhase = { state: 'firing', activeAt: 1_000, firingAt: 6_000 };

describe('alert state machine', () => {
  describe('inactive', () => {
    it('stays inactive while the condition does not hold', () => {
      expect(evaluatePhase(INACTIVE, false, 1_000, timing)).toEqual({ phase: INACTIVE });
    });

    it('goes pending when the condition holds (condition-met)', () => {
      expect(evaluatePhase(INACTIVE, true, 1_000, timing)).toEqual({ phase: pending, change: { from: 'inactive', to: 'pending', reason: 'condition-met', at: 1_000 } });
    });

    it('fires at once when forMs is 0', () => {
      const step = conditionMet(INACTIVE, 1_000, { forMs: 0, keepFiringForMs: 0 });
      expect(step).toEqual({ phase: { state: 'firing', activeAt: 1_000, firingAt: 1_000 }, change: { from: 'inactive', to: 'firing', reason: 'condition-met', at: 1_000 } });
    });
  });

  describe('pending', () => {
    it('stays pending while the condition has held for less than forMs', () => {
      expect(evaluatePhase(pending, true, 5_999, timing)).toEqual({ phase: pending });
    });

    it('fires once the condition has held for forMs (for-elapsed), keeping when it became active', () => {
      expect(evaluatePhase(pending, true, 6_000, timing)).toEqual({ phase: firing, change: { from: 'pending', to: 'firing', reason: 'for-elapsed', at: 6_000 } });
      expect(forElapsed(pending, 6_000).phase.activeAt).toBe(1_000);
    });

    it('goes back to inactive when the condition stops holding (condition-cleared)', () => {
      expect(evaluatePhase(pending, false, 2_000, timing)).toEqual(conditionCleared(pending, 2_000));
      expect(conditionCleared(pending, 2_000)).toEqual({ phase: INACTIVE, change: { from: 'pending', to: 'inactive', reason: 'condition-cleared', at: 2_000 } });
    });
  });

  describe('firing', () => {
    it('stays firing, unchanged, while the condition holds', () => {
      expect(evaluatePhase(firing, true, 7_000, timing)).toEqual({ phase: firing });
    });

    it('stays firing for keepFiringForMs after the condition stopped holding, remembering when it cleared', () => {
      const cleared = evaluatePhase(firing, false, 7_000, timing);
      expect(cleared).toEqual({ phase: { ...firing, clearedAt: 7_000 } });
      expect(evaluatePhase(cleared.phase, false, 16_999, timing)).toEqual({ phase: { ...firing, clearedAt: 7_000 } });
    });

    it('forgets the clearing when the condition holds again', () => {
      const step = evaluatePhase({ ...firing, clearedAt: 7_000 }, true, 8_000, timing);
      expect(step.change).toBeUndefined();
      expect(step.phase.clearedAt).toBeUndefined();
      expect(step.phase.state).toBe('firing');
    });

    it('resolves to inactive after keepFiringForMs: resolved is the reason of the change, not a state', () => {
      const step = evaluatePhase({ ...firing, clearedAt: 7_000 }, false, 17_000, timing);
      expect(step).toEqual(resolve(firing, 17_000));
      expect(step).toEqual({ phase: INACTIVE, change: { from: 'firing', to: 'inactive', reason: 'resolved', at: 17_000 } });
    });

    it('resolves at the first evaluation without the condition when keepFiringForMs is 0', () => {
      expect(evaluatePhase(firing, false, 7_000, { forMs: 5_000, keepFiringForMs: 0 }).change).toMatchObject({ to: 'inactive', reason: 'resolved' });
    });
  });
});
