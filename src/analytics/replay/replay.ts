/**
 * The what-if replay: a discrete-event simulation of a dependency's call trace through the real
 * policies (timeout, retry over its retry budget, circuit breaker) on a ManualClock.
 *
 * Each trace call starts at its own time and runs through the policies built from the settings.
 * Its first try is answered as the call itself was (after its latency, with its outcome); every
 * other request (a retry, an unobserved call's try) as the trace's observed call nearest its time.
 * A `timeout` answer never comes, so only a timeout policy ends such a request. The clock advances from event to event (ManualClock fires
 * its timers in time order, letting the policies' continuations run between them), so a day of
 * traffic replays in seconds and the same seed gives the same report.
 */
import { ManualClock } from '../../core/clock.js';
import { isResilienceError } from '../../core/errors.js';
import { checkFunction, checkNumber, checkObject, checkShape } from '../../core/option-checks.js';
import { pipeline } from '../../policies/pipeline.js';
import { callerView } from './caller-view.js';
import { OutageMap } from './outages.js';
import { buildPolicies, checkSettings } from './settings.js';
import { type CallTrace, type PolicySettings, REPLAY_DEFAULTS, type ReplayOptions, type ReplayReport, type TraceCall } from './types.js';

/** The error a replayed dependency answers a `failure` with: a plain (retryable) error, as a dependency's own. */
export class ReplayedFailure extends Error {
  constructor(atMs: number) {
    super(`replayed failure (trace call at ${atMs})`);
    this.name = 'ReplayedFailure';
  }
}

const where = 'replay';

function checkTrace(trace: CallTrace): readonly TraceCall[] {
  checkObject(where, 'trace', trace, 'like { calls: [{ atMs, latencyMs, outcome }] }');
  const calls = trace.calls;
  if (!Array.isArray(calls)) throw new TypeError(`${where}: trace.calls is ${String(calls)}; expected an array of calls`);
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    checkNumber(where, `trace.calls.${i}.atMs`, call.atMs, -Infinity);
    checkNumber(where, `trace.calls.${i}.latencyMs`, call.latencyMs, 0);
    if (call.outcome !== 'success' && call.outcome !== 'failure' && call.outcome !== 'timeout') {
      throw new TypeError(`${where}: trace.calls.${i}.outcome is ${JSON.stringify(call.outcome)}; expected "success", "failure" or "timeout"`);
    }
    if (i > 0 && call.atMs < calls[i - 1]!.atMs) throw new RangeError(`${where}: trace.calls.${i}.atMs (${call.atMs}) is before the call ahead of it; the trace must be in time order`);
  }
  return calls;
}

/** Answers requests as the trace's observed calls did: the one nearest the request's time. */
class TraceDependency {
  private readonly atMs: Float64Array;
  private readonly observed: TraceCall[];
  requests = 0;
  requestsDuringOutages = 0;

  constructor(
    private readonly calls: readonly TraceCall[],
    private readonly clock: ManualClock,
    private readonly outages: OutageMap,
  ) {
    this.observed = calls.filter((c) => c.observed !== false);
    // With nothing observed, every call behaves as recorded for itself.
    if (this.observed.length === 0) this.observed = [...calls];
    this.atMs = Float64Array.from(this.observed, (c) => c.atMs);
  }

  /** The observed call nearest `t` (the earlier one on a tie). */
  nearest(t: number): TraceCall {
    const times = this.atMs;
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (times[mid]! < t) low = mid + 1;
      else high = mid;
    }
    if (low === times.length) return this.observed[low - 1]!;
    if (low > 0 && t - times[low - 1]! <= times[low]! - t) return this.observed[low - 1]!;
    return this.observed[low]!;
  }

  /**
   * One request at the clock's time: a call's first try (`own`, its index) is answered as that
   * call was when it was observed; any other request as the observed call nearest its time.
   */
  request(own: number): Promise<void> {
    const now = this.clock.now();
    this.requests++;
    if (this.outages.covers(now)) this.requestsDuringOutages++;
    const recorded = own >= 0 ? this.calls[own]! : undefined;
    const call = recorded && recorded.observed !== false ? recorded : this.nearest(now);
    if (call.outcome === 'timeout') return new Promise<void>(() => undefined);
    return new Promise<void>((resolve, reject) => {
      this.clock.setTimer(call.latencyMs, call.outcome === 'success' ? resolve : () => reject(new ReplayedFailure(call.atMs)));
    });
  }
}

/** Replays `trace` through the policies `settings` describe; see the module comment. */
export async function replay(trace: CallTrace, settings: PolicySettings, options: ReplayOptions = {}): Promise<ReplayReport> {
  const calls = checkTrace(trace);
  checkSettings(settings);
  checkObject(where, 'options', options);
  const random = options.random ?? REPLAY_DEFAULTS.random;
  checkFunction(where, 'random', random);
  const outageWindowMs = options.outageWindowMs ?? REPLAY_DEFAULTS.outageWindowMs;
  checkNumber(where, 'outageWindowMs', outageWindowMs, 0, Infinity, true);
  const outageFailureRatio = options.outageFailureRatio ?? REPLAY_DEFAULTS.outageFailureRatio;
  checkNumber(where, 'outageFailureRatio', outageFailureRatio, 0, 1, true);
  const startMs = calls.length > 0 ? calls[0]!.atMs : 0;
  const clock = options.clock ?? new ManualClock(startMs);
  checkShape(where, 'clock', clock, 'a ManualClock', ['now', 'advance', 'setTimer']);
  if (clock.now() > startMs) throw new RangeError(`${where}: clock is at ${clock.now()}, after the trace's first call (${startMs})`);

  const outages = new OutageMap(calls, outageWindowMs, outageFailureRatio);
  const dependency = new TraceDependency(calls, clock, outages);
  const { layers, breaker } = buildPolicies(settings, clock, random);
  const policy = layers.length > 0 ? pipeline(...layers) : undefined;

  let openSinceMs: number | undefined;
  let openMs = 0;
  breaker?.on('stateChange', (change) => {
    if (change.to === 'open') openSinceMs = change.at;
    else if (change.from === 'open' && openSinceMs !== undefined) {
      openMs += change.at - openSinceMs;
      openSinceMs = undefined;
    }
  });

  const latencies: number[] = new Array<number>(calls.length).fill(NaN);
  const ok = new Uint8Array(calls.length);
  let succeeded = 0;
  let timedOut = 0;
  let rejected = 0;
  let pending = 0;
  const start = (index: number): void => {
    const startedMs = clock.now();
    pending++;
    const run = policy ? policy.execute((ctx) => dependency.request(ctx.attempt === 1 ? index : -1)) : dependency.request(index);
    run.then(
      () => {
        pending--;
        succeeded++;
        ok[index] = 1;
        latencies[index] = clock.now() - startedMs;
      },
      (error: unknown) => {
        pending--;
        latencies[index] = clock.now() - startedMs;
        if (isResilienceError(error)) {
          if (error.code === 'TIMEOUT') timedOut++;
          else if (error.code === 'CIRCUIT_OPEN' || error.code === 'CIRCUIT_ISOLATED') rejected++;
        }
      },
    );
  };
  for (let i = 0; i < calls.length; i++) {
    const index = i;
    clock.setTimer(calls[i]!.atMs - clock.now(), () => start(index));
  }

  // Up to the last call, then on until every call has ended or nothing is left to happen.
  await clock.advance(calls.length > 0 ? calls.at(-1)!.atMs - clock.now() : 0);
  while (pending > 0 && clock.pendingTimers > 0) await clock.advance(60_000);
  const endMs = clock.now();

  // A call never answered (no timeout policy over a `timeout` answer) waited at least until the end.
  let unanswered = 0;
  for (let i = 0; i < calls.length; i++) {
    if (Number.isNaN(latencies[i])) {
      latencies[i] = endMs - calls[i]!.atMs;
      unanswered++;
    }
  }
  if (openSinceMs !== undefined) openMs += endMs - openSinceMs;

  const inOutage: number[] = [];
  let inOutageSucceeded = 0;
  for (let i = 0; i < calls.length; i++) {
    if (!outages.covers(calls[i]!.atMs)) continue;
    inOutage.push(latencies[i]!);
    if (ok[i] === 1) inOutageSucceeded++;
  }

  const view = callerView(latencies, succeeded);
  return {
    ...view,
    timedOut,
    rejected,
    unanswered,
    dependencyRequests: dependency.requests,
    dependencyRequestsDuringOutages: dependency.requestsDuringOutages,
    amplification: calls.length > 0 ? dependency.requests / calls.length : NaN,
    amplificationDuringOutages: inOutage.length > 0 ? dependency.requestsDuringOutages / inOutage.length : NaN,
    openMs,
    outages: outages.windows,
    duringOutages: callerView(inOutage, inOutageSucceeded),
  };
}
