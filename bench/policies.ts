/**
 * Policies, side by side with cockatiel 3.2.1 and opossum 9.0.0 in one process:
 * success path (bare call, breaker alone, full pipeline), failure path against window size,
 * heap bytes per idle breaker, and what a disabled chaos policy adds to a pipeline.
 */
import * as cockatiel from 'cockatiel';
import Opossum from 'opossum';
import { bulkhead, circuitBreaker, pipeline, retry, timeout } from '../src/index.js';
import { chaos } from '../src/chaos/index.js';
import { traced } from '../src/observe/tracing.js';
import { type Row, cpuNsPerOp, heapBytesPer, printTable, ratio, timeAsync } from './harness.js';

const ok = (): Promise<number> => Promise.resolve(1);

async function successPath(): Promise<Row[]> {
  const rows: Row[] = [];
  const bare = await timeAsync(() => ok());
  rows.push({ group: 'success', name: 'bare `await fn()`', nsPerOp: bare });

  const ours = circuitBreaker({ window: { kind: 'consecutive', failures: 5 } });
  const oursBreaker = await timeAsync(() => ours.execute(ok));
  const theirs = cockatiel.circuitBreaker(cockatiel.handleAll, {
    halfOpenAfter: 10_000,
    breaker: new cockatiel.ConsecutiveBreaker(5),
  });
  const cockatielBreaker = await timeAsync(() => theirs.execute(ok));
  const opossumBreaker = new Opossum(ok, { timeout: false });
  const opossumFire = await timeAsync(() => opossumBreaker.fire());
  opossumBreaker.shutdown();
  rows.push(
    { group: 'success', name: 'bulwark breaker', nsPerOp: oursBreaker, note: `${ratio(oursBreaker, cockatielBreaker)} faster than cockatiel` },
    { group: 'success', name: 'cockatiel breaker', nsPerOp: cockatielBreaker },
    { group: 'success', name: 'opossum fire, no timeout', nsPerOp: opossumFire },
  );

  // The same two breakers again, in rounds that measure one right after the other in CPU time,
  // so the ratio holds on a machine whose load moves while the bench runs.
  const ratios: number[] = [];
  let oursCpu = 0;
  let cockatielCpu = 0;
  for (let round = 0; round < 9; round++) {
    cockatielCpu = await cpuNsPerOp(() => theirs.execute(ok), 200_000);
    oursCpu = await cpuNsPerOp(() => ours.execute(ok), 200_000);
    ratios.push(oursCpu / cockatielCpu);
  }
  ratios.sort((a, b) => a - b);
  rows.push({
    group: 'success',
    name: 'bulwark breaker / cockatiel breaker, CPU time, 9 interleaved rounds',
    value: Number((ratios[4] as number).toFixed(3)),
    unit: 'median ratio',
    note: `range ${(ratios[0] as number).toFixed(3)}-${(ratios[8] as number).toFixed(3)}; last round ${Math.round(oursCpu)} vs ${Math.round(cockatielCpu)} ns`,
  });

  const oursPipeline = pipeline(
    retry({ maxAttempts: 3 }),
    circuitBreaker({ window: { kind: 'consecutive', failures: 5 } }),
    timeout({ ms: 1_000 }),
    bulkhead({ maxConcurrent: 100 }),
  );
  const oursFull = await timeAsync(() => oursPipeline.execute(ok));
  const theirsPipeline = cockatiel.wrap(
    cockatiel.retry(cockatiel.handleAll, { maxAttempts: 2, backoff: new cockatiel.ExponentialBackoff() }),
    cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) }),
    cockatiel.timeout(1_000, cockatiel.TimeoutStrategy.Aggressive),
    cockatiel.bulkhead(100),
  );
  const cockatielFull = await timeAsync(() => theirsPipeline.execute(ok), { iterations: 50_000 });
  const opossumTimed = new Opossum(ok, { timeout: 1_000 });
  const opossumWithTimeout = await timeAsync(() => opossumTimed.fire());
  opossumTimed.shutdown();
  rows.push(
    {
      group: 'success',
      name: 'bulwark retry+breaker+timeout+bulkhead',
      nsPerOp: oursFull,
      note: `${ratio(oursFull, cockatielFull)} faster than cockatiel; ${ratio(oursFull, opossumWithTimeout)} vs opossum breaker+timeout`,
    },
    { group: 'success', name: 'cockatiel retry+breaker+timeout+bulkhead', nsPerOp: cockatielFull },
    { group: 'success', name: 'opossum fire with timeout', nsPerOp: opossumWithTimeout },
  );
  // The OpenTelemetry bridge with no SDK registered (the API's no-op tracer): what it costs
  // an application that has not turned tracing on.
  const tracedPipeline = traced(oursPipeline, { name: 'bench' });
  const tracedFull = await timeAsync(() => tracedPipeline.execute(ok));
  rows.push({ group: 'success', name: 'traced(bulwark pipeline), no OpenTelemetry SDK registered', nsPerOp: tracedFull, note: `+${Math.round(tracedFull - oursFull)} ns over the pipeline` });
  return rows;
}

/**
 * A stream of calls where every other call fails, starting with a success: the failure rate
 * never passes 50 %, so with a 90 % threshold the breaker records every outcome and never opens.
 */
function alternating(): () => Promise<number> {
  let n = 0;
  const failure = new Error('down');
  return () => (n++ % 2 === 1 ? Promise.reject(failure) : Promise.resolve(1));
}

async function failurePath(): Promise<Row[]> {
  const rows: Row[] = [];
  const perWindow: Record<string, Record<number, number>> = { bulwark: {}, cockatiel: {}, opossum: {} };
  for (const size of [100, 100_000]) {
    const ours = circuitBreaker({ window: { kind: 'count', size }, failureRateThreshold: 0.9, minimumCalls: 20 });
    const oursOp = alternating();
    // The window is filled with successes first (opossum's failures cost milliseconds each once its window is full).
    for (let i = 0; i < size; i++) await ours.execute(ok);
    perWindow.bulwark![size] = await timeAsync(() => ours.execute(oursOp).catch(() => undefined), { iterations: 100_000, warmup: 10_000 });

    const theirs = cockatiel.circuitBreaker(cockatiel.handleAll, {
      halfOpenAfter: 10_000,
      breaker: new cockatiel.CountBreaker({ threshold: 0.9, size, minimumNumberOfCalls: 20 }),
    });
    const theirsOp = alternating();
    for (let i = 0; i < size; i++) await theirs.execute(ok);
    perWindow.cockatiel![size] = await timeAsync(() => theirs.execute(theirsOp).catch(() => undefined), { iterations: 100_000, warmup: 10_000 });

    // opossum's window is time based: a 10-minute window holds every call made here.
    let fail = false;
    const failure = new Error('down');
    const opossum = new Opossum(() => (fail ? Promise.reject(failure) : Promise.resolve(1)), {
      timeout: false,
      errorThresholdPercentage: 90,
      volumeThreshold: 20,
      rollingCountTimeout: 600_000,
      rollingCountBuckets: 10,
    });
    for (let i = 0; i < size; i++) await opossum.fire();
    let n = 0;
    const opossumOp = (): Promise<unknown> => {
      fail = n++ % 2 === 1;
      return opossum.fire().catch(() => undefined);
    };
    // opossum spends milliseconds per failure here: a few hundred calls give a stable figure.
    const opossumIterations = 300;
    perWindow.opossum![size] = await timeAsync(opossumOp, {
      iterations: opossumIterations,
      warmup: Math.min(100, opossumIterations),
      rounds: 3,
    });
    opossum.shutdown();
  }
  for (const lib of ['bulwark', 'cockatiel', 'opossum']) {
    const small = perWindow[lib]![100]!;
    const large = perWindow[lib]![100_000]!;
    rows.push(
      { group: 'failure', name: `${lib}, window 100 (50% failures)`, nsPerOp: small },
      { group: 'failure', name: `${lib}, window 100,000 (50% failures)`, nsPerOp: large, value: large / small, unit: 'x of window 100' },
    );
  }
  return rows;
}

function memory(): Row[] {
  const count = 100_000;
  const oursDefault = heapBytesPer(count, () => circuitBreaker());
  const oursConsecutive = heapBytesPer(count, () => circuitBreaker({ window: { kind: 'consecutive', failures: 5 } }));
  const cockatielBytes = heapBytesPer(count, () =>
    cockatiel.circuitBreaker(cockatiel.handleAll, { halfOpenAfter: 10_000, breaker: new cockatiel.ConsecutiveBreaker(5) }),
  );
  const opossumBytes = heapBytesPer(
    count,
    () => new Opossum(ok, { timeout: false }),
    (items) => items.forEach((b) => b.shutdown()),
  );
  return [
    { group: 'memory', name: 'bulwark idle breaker (default count window of 100)', value: oursDefault, unit: 'B', note: `${ratio(oursDefault, opossumBytes)} smaller than opossum` },
    { group: 'memory', name: 'bulwark idle breaker (consecutive)', value: oursConsecutive, unit: 'B', note: `${ratio(oursConsecutive, opossumBytes)} smaller than opossum` },
    { group: 'memory', name: 'cockatiel idle breaker (consecutive)', value: cockatielBytes, unit: 'B' },
    { group: 'memory', name: 'opossum idle breaker', value: opossumBytes, unit: 'B' },
  ];
}

/** The same pipeline as the success path, fresh, so no state is shared with the case it is compared to. */
function fullPipeline(...inner: Parameters<typeof pipeline>) {
  return pipeline(retry({ maxAttempts: 3 }), circuitBreaker({ window: { kind: 'consecutive', failures: 5 } }), timeout({ ms: 1_000 }), bulkhead({ maxConcurrent: 100 }), ...inner);
}

/**
 * Zero cost when disabled: the full pipeline with a disabled chaos policy innermost (where it
 * belongs) against the same pipeline without it, in CPU time, interleaved rounds, median ratio.
 */
async function disabledChaos(): Promise<Row[]> {
  const rows: Row[] = [];
  const cases = [
    { name: 'chaos.fault', make: () => chaos.fault({ fault: new Error('x'), injectionRate: 1, enabled: false }) },
    { name: 'chaos.latency', make: () => chaos.latency({ delayMs: 100, injectionRate: 1, enabled: false }) },
  ];
  for (const { name, make } of cases) {
    const without = fullPipeline();
    const withChaos = fullPipeline(make());
    for (let i = 0; i < 50_000; i++) {
      await without.execute(ok);
      await withChaos.execute(ok);
    }
    const ratios: number[] = [];
    let lastWith = 0;
    let lastWithout = 0;
    for (let round = 0; round < 9; round++) {
      // Which case goes first alternates, so neither always runs on the colder or the busier half.
      if (round % 2 === 0) {
        lastWithout = await cpuNsPerOp(() => without.execute(ok), 100_000);
        lastWith = await cpuNsPerOp(() => withChaos.execute(ok), 100_000);
      } else {
        lastWith = await cpuNsPerOp(() => withChaos.execute(ok), 100_000);
        lastWithout = await cpuNsPerOp(() => without.execute(ok), 100_000);
      }
      ratios.push(lastWith / lastWithout);
    }
    ratios.sort((a, b) => a - b);
    rows.push({
      group: 'chaos',
      name: `pipeline + disabled ${name} / same pipeline without it, CPU time, 9 interleaved rounds`,
      value: Number((ratios[4] as number).toFixed(3)),
      unit: 'median ratio',
      note: `range ${(ratios[0] as number).toFixed(3)}-${(ratios[8] as number).toFixed(3)}; last round ${Math.round(lastWith)} vs ${Math.round(lastWithout)} ns`,
    });
  }
  return rows;
}

export async function benchPolicies(): Promise<Row[]> {
  const success = await successPath();
  printTable('Policies: success path (sequential awaited calls)', success);
  const failure = await failurePath();
  printTable('Policies: failure path against window size', failure);
  const mem = memory();
  printTable('Policies: heap bytes per idle breaker (100,000 breakers)', mem);
  const chaosRows = await disabledChaos();
  printTable('Policies: a disabled chaos policy in the retry+breaker+timeout+bulkhead pipeline', chaosRows);
  return [...success, ...failure, ...mem, ...chaosRows];
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPolicies();
