/**
 * Measuring a probe and judging its value: one measurement, a measurement repeated until its
 * tolerance is met within `withinMs`, and a continuous loop every `intervalMs` until told to stop.
 * A provider that throws is a failed measurement with its error kept, never a crashed run.
 */
import { type ActivityContext, type ActivityRegistry, type ProbeValue, activityArgs } from './activities.js';
import type { Tolerance } from './experiment-schema.js';
import type { ProbePhase, ProbeRecord } from './run-journal.js';
import { withinTolerance } from './tolerance.js';

export interface ProbeCall {
  key: string;
  name: string;
  probe: string;
  args: Record<string, unknown>;
  tolerance: Tolerance;
  phase: ProbePhase;
}

/** One measurement, recorded through `record`. */
export async function measureOnce(registry: ActivityRegistry, ctx: ActivityContext, call: ProbeCall, record: (r: ProbeRecord) => void, counted = true): Promise<ProbeRecord> {
  const at = ctx.clock.now();
  let result: ProbeRecord;
  try {
    const provider = registry.probe(call.probe);
    if (!provider) throw new RangeError(`unknown probe "${call.probe}"`);
    const value: ProbeValue = await provider.measure(ctx, activityArgs(provider, call.args, call.name));
    result = { key: call.key, name: call.name, phase: call.phase, at, value, ok: withinTolerance(value, call.tolerance), counted };
  } catch (error) {
    result = { key: call.key, name: call.name, phase: call.phase, at, ok: false, error: error instanceof Error ? error.message : String(error), counted };
  }
  record(result);
  return result;
}

/** Measures until the tolerance is met or `withinMs` has passed, every `intervalMs`; the last measurement is the one counted. */
export async function measureWithin(
  registry: ActivityRegistry,
  ctx: ActivityContext,
  call: ProbeCall & { withinMs: number; intervalMs: number },
  record: (r: ProbeRecord) => void,
): Promise<ProbeRecord> {
  const deadline = ctx.clock.now() + call.withinMs;
  for (;;) {
    const last = ctx.clock.now() + call.intervalMs > deadline;
    const pending: ProbeRecord[] = [];
    const result = await measureOnce(registry, ctx, call, (r) => pending.push(r), false);
    if (result.ok || last) {
      record({ ...result, counted: true });
      return result;
    }
    for (const r of pending) record(r);
    await ctx.clock.sleep(call.intervalMs, ctx.signal);
  }
}

/**
 * Measures every `intervalMs` (the first after one interval) until `until` aborts; resolves then.
 * `onMeasured` sees each result (abort conditions act on it).
 */
export async function measureContinuously(
  registry: ActivityRegistry,
  ctx: ActivityContext,
  call: ProbeCall & { intervalMs: number },
  until: AbortSignal,
  record: (r: ProbeRecord) => void,
  onMeasured: (r: ProbeRecord) => void = () => undefined,
): Promise<void> {
  while (!until.aborted) {
    try {
      await ctx.clock.sleep(call.intervalMs, until);
    } catch {
      return;
    }
    onMeasured(await measureOnce(registry, ctx, call, record));
  }
}
