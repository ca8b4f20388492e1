/**
 * The experiment model, in the Chaos Toolkit shape: a steady-state hypothesis checked before and
 * after, a method (actions with durations and the probes to run during them), rollbacks that
 * always run, and abort conditions that stop the run at once (Gremlin's halt conditions). Probe
 * modes follow LitmusChaos: `start` (as the action begins), `continuous` (every `intervalMs` while
 * it runs) and `end` (as its duration ends, before it is reverted).
 */
import { z } from 'zod';

/** A probe value is accepted when it meets every bound given. */
export const toleranceSchema = z
  .strictObject({
    /** The value must be at least this. */
    atLeast: z.number().optional(),
    /** The value must be at most this. */
    atMost: z.number().optional(),
    /** The value must equal this (a number or a boolean). */
    equals: z.union([z.number(), z.boolean()]).optional(),
  })
  .refine((t) => t.atLeast !== undefined || t.atMost !== undefined || t.equals !== undefined, { message: 'needs atLeast, atMost or equals' });

export type Tolerance = z.infer<typeof toleranceSchema>;

const argsSchema = z.record(z.string(), z.unknown()).default({});

/** A probe: a named measurement of the running service and the values it accepts. */
export const probeSpecSchema = z.strictObject({
  /** Shown in the journal and the report. */
  name: z.string().min(1),
  /** The probe provider, e.g. `health-score`, `gate-mode`, `metric`, `duplicate-orders`. */
  probe: z.string().min(1),
  args: argsSchema,
  tolerance: toleranceSchema,
  /** Share of the resilience score this probe carries (LitmusChaos's probe weight). */
  weight: z.number().min(0).default(1),
  /** When the probe runs during a method step. Hypothesis probes run before and after the method. */
  mode: z.enum(['start', 'continuous', 'end']).default('end'),
  /** Continuous probes: time between two measurements (the first one interval in; one due as the action ends is left to `end` probes). */
  intervalMs: z.number().int().min(1).default(1_000),
  /** Keep measuring until the tolerance is met or this long has passed (recovery within a deadline); 0 measures once. */
  withinMs: z.number().int().min(0).default(0),
});

export type ProbeSpec = z.infer<typeof probeSpecSchema>;

/** An action: a fault started for `durationMs`, then reverted. */
export const actionSpecSchema = z.strictObject({
  /** The action provider, e.g. `exchange-maintenance`. */
  action: z.string().min(1),
  /** Shown in the journal; the provider's name when omitted. */
  name: z.string().min(1).optional(),
  args: argsSchema,
  /** How long the fault stays on; 0 starts and reverts it at once. */
  durationMs: z.number().int().min(0).default(0),
  /** Probes run while this action is on, by their mode. */
  probes: z.array(probeSpecSchema).default([]),
});

export type ActionSpec = z.infer<typeof actionSpecSchema>;

/** An abort condition: a probe whose value beyond `limit` stops the experiment at once and rolls back. */
export const abortConditionSchema = z.strictObject({
  name: z.string().min(1),
  probe: z.string().min(1),
  args: argsSchema,
  /** The safety limit: a value outside it aborts. */
  limit: toleranceSchema,
  /** Time between two checks while the method runs. */
  intervalMs: z.number().int().min(1).default(1_000),
});

export type AbortCondition = z.infer<typeof abortConditionSchema>;

export const experimentSchema = z.strictObject({
  title: z.string().min(1),
  description: z.string().default(''),
  tags: z.array(z.string()).default([]),
  /** False: the experiment refuses to run against a configuration with live trading on. */
  productionSafe: z.boolean().default(false),
  steadyStateHypothesis: z.strictObject({
    /** The hypothesis in words, e.g. "no order is placed twice". */
    title: z.string().min(1),
    probes: z.array(probeSpecSchema).min(1),
  }),
  method: z.array(actionSpecSchema).min(1),
  rollbacks: z.array(actionSpecSchema.omit({ probes: true, durationMs: true })).default([]),
  abortConditions: z.array(abortConditionSchema).default([]),
});

export type Experiment = z.infer<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;
export type RollbackSpec = Experiment['rollbacks'][number];
