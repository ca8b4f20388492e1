/**
 * An alert rule's states and the transitions between them, with Prometheus semantics (`for`,
 * `keep_firing_for`), one function per transition:
 *
 *   inactive --conditionMet--> pending --forElapsed--> firing --resolve--> inactive
 *      |                          |                      ^
 *      +--conditionMet (for 0)----|----------------------+
 *                                 +--conditionCleared--> inactive
 *
 * "Resolved" is not a state: it is the event of a firing alert going back to inactive (reason
 * `resolved`), after its condition stayed false for `keepFiringForMs`. A firing alert whose
 * condition stops holding stays firing meanwhile and remembers when it cleared.
 *
 * Pure: each function takes the phase and the time and returns the next phase and the change it
 * made, if any. No clock, no events, no I/O; the engine feeds it and reports the changes.
 */

export type AlertStateName = 'inactive' | 'pending' | 'firing';

/** Why an alert changed state (kebab-case, as every reason string of the package). */
export type AlertChangeReason =
  /** The condition began to hold (inactive -> pending, or inactive -> firing when `forMs` is 0). */
  | 'condition-met'
  /** The condition held for `forMs` (pending -> firing). */
  | 'for-elapsed'
  /** The condition stopped holding before `forMs` (pending -> inactive). */
  | 'condition-cleared'
  /** The condition stayed false for `keepFiringForMs` (firing -> inactive): the alert resolved. */
  | 'resolved';

/** Where a rule stands: its state and the times that decide the next transition. */
export interface AlertPhase {
  state: AlertStateName;
  /** When the condition started holding (pending or firing). */
  activeAt?: number;
  firingAt?: number;
  /** While firing under keepFiringFor: when the condition last stopped holding. */
  clearedAt?: number;
}

export interface AlertTiming {
  /** How long the condition must hold before pending becomes firing. */
  forMs: number;
  /** How long a firing alert stays firing after its condition stopped holding. */
  keepFiringForMs: number;
}

export interface PhaseChange {
  from: AlertStateName;
  to: AlertStateName;
  reason: AlertChangeReason;
  at: number;
}

export interface Step {
  phase: AlertPhase;
  /** The transition made, if the state changed. */
  change?: PhaseChange;
}

export const INACTIVE: AlertPhase = Object.freeze({ state: 'inactive' });

const move = (from: AlertPhase, phase: AlertPhase, reason: AlertChangeReason, at: number): Step => ({ phase, change: { from: from.state, to: phase.state, reason, at } });

/** inactive -> pending (or firing at once when `forMs` is 0): the condition began to hold. */
export function conditionMet(phase: AlertPhase, now: number, timing: AlertTiming): Step {
  const next: AlertPhase = timing.forMs === 0 ? { state: 'firing', activeAt: now, firingAt: now } : { state: 'pending', activeAt: now };
  return move(phase, next, 'condition-met', now);
}

/** pending -> firing: the condition held for `forMs`. */
export function forElapsed(phase: AlertPhase, now: number): Step {
  return move(phase, { state: 'firing', activeAt: phase.activeAt ?? now, firingAt: now }, 'for-elapsed', now);
}

/** pending -> inactive: the condition stopped holding before `forMs`. */
export function conditionCleared(phase: AlertPhase, now: number): Step {
  return move(phase, INACTIVE, 'condition-cleared', now);
}

/** firing -> inactive: the condition stayed false for `keepFiringForMs`; the alert resolved. */
export function resolve(phase: AlertPhase, now: number): Step {
  return move(phase, INACTIVE, 'resolved', now);
}

/** One evaluation: whether the condition holds now decides which transition (if any) applies. */
export function evaluatePhase(phase: AlertPhase, holds: boolean, now: number, timing: AlertTiming): Step {
  switch (phase.state) {
    case 'inactive':
      return holds ? conditionMet(phase, now, timing) : { phase };
    case 'pending':
      if (!holds) return conditionCleared(phase, now);
      return now - (phase.activeAt ?? now) >= timing.forMs ? forElapsed(phase, now) : { phase };
    case 'firing': {
      if (holds) return { phase: phase.clearedAt === undefined ? phase : { ...phase, clearedAt: undefined } };
      const clearedAt = phase.clearedAt ?? now;
      return now - clearedAt >= timing.keepFiringForMs ? resolve(phase, now) : { phase: { ...phase, clearedAt } };
    }
  }
}
