/**
 * Failover groups (`npm run bench -- failover`):
 *
 *  a. routing decision cost: ns per `pick()` with 10 endpoints for each strategy, and per
 *     `pick()` + `record()` (the whole per-call cost), against a plain round-robin array index;
 *  b. p99 latency seen by callers with one of 5 endpoints slowed to 2 s (the others ~10 ms), as a
 *     discrete-event simulation on ManualClock (open-loop Poisson arrivals, 200 calls/s for 120 s
 *     simulated): our p2c, priority and roundRobin groups with outlier detection against plain round
 *     robin and against a single healthy endpoint; with a 1 s caller timeout (a timeout is a gateway
 *     failure) and without one;
 *  c. time to stop routing to a dead endpoint, killed 10 s into the run: the calls it still got after
 *     the kill and the simulated ms until its last one, killed as "refused" (fails at once) and as a
 *     "black hole" (answers nothing, each call waits for the 1 s timeout); with outlier detection,
 *     with active health checks only, and plain round robin.
 */
import { ManualClock, systemClock } from '../src/core/clock.js';
import { seededRandom } from '../src/core/random.js';
import { failoverGroup } from '../src/failover/index.js';
import type { CallOutcome, FailoverGroup, FailoverGroupOptions, FailoverStrategy, PickedEndpoint } from '../src/failover/index.js';
import { type Row, printTable, ratio, timeSync } from './harness.js';

// ---- a. routing decision cost -------------------------------------------------------------------

const TEN = Array.from({ length: 10 }, (_, i) => ({ name: `api${i}`, target: `https://api${i}.example.com`, priority: i < 7 ? 0 : 1, weight: 1 + (i % 3) }));

function decisionCost(): Row[] {
  const rows: Row[] = [];
  const array = TEN.map((e) => e.target);
  let cursor = 0;
  let sink = 0;
  const baseline = timeSync(() => {
    const target = array[cursor]!;
    cursor = cursor + 1 === array.length ? 0 : cursor + 1;
    sink += target.length;
  });
  rows.push({ group: 'decision', name: 'plain round robin: `targets[i++ % 10]`', nsPerOp: baseline, note: 'the baseline' });
  const strategies: FailoverStrategy[] = ['roundRobin', 'weighted', 'priority', 'p2c'];
  for (const strategy of strategies) {
    const group = failoverGroup({ name: 'bench', endpoints: TEN, strategy, clock: systemClock, random: seededRandom(1) });
    // Latencies known, so p2c compares real costs.
    for (let i = 0; i < 100; i++) group.record(group.pick(), 'success', 5 + (i % 10));
    const pickOnly = timeSync(() => {
      const e = group.pick();
      sink += e.priority;
      // Keep in-flight counts level without a record() (which the next case measures).
      (e as unknown as { inFlight: number }).inFlight--;
    });
    rows.push({ group: 'decision', name: `${strategy}: pick()`, nsPerOp: pickOnly, note: `${ratio(baseline, pickOnly)} the baseline's time; ${pickOnly < 200 ? 'under' : 'OVER'} the 200 ns goal` });
    const cycle = timeSync(() => group.record(group.pick(), 'success', 7));
    rows.push({ group: 'decision', name: `${strategy}: pick() + record()`, nsPerOp: cycle });
  }
  const p2c = failoverGroup({ name: 'bench', endpoints: TEN, strategy: 'priority', clock: systemClock, random: seededRandom(1) });
  const tried = new Set(['api0', 'api1']);
  const excluding = timeSync(() => p2c.record(p2c.pick(tried), 'success', 7), { iterations: 50_000, warmup: 10_000 });
  rows.push({ group: 'decision', name: 'priority: pick(exclude 2) + record() (a retry)', nsPerOp: excluding, note: 'the slower path: filters the candidates' });
  if (sink === -1) console.log(sink);
  return rows;
}

// ---- the discrete-event simulation ---------------------------------------------------------------

/** Something that routes: our group, or a baseline with the same two calls. */
interface Router {
  pick(): PickedEndpoint<string>;
  record(endpoint: PickedEndpoint<string>, outcome: CallOutcome, latencyMs: number): void;
}

function plainRoundRobin(names: string[]): Router {
  const endpoints = names.map((name) => ({ name, target: name, priority: 0 }));
  let i = 0;
  return { pick: () => endpoints[i++ % endpoints.length]!, record: () => undefined };
}

/** How an endpoint answers at time t: its latency, or 'never' (a black hole), and its outcome. */
type Behaviour = (name: string, t: number, random: () => number) => { latencyMs: number | 'never'; outcome: CallOutcome };

interface SimResult {
  latencies: Float64Array;
  timeouts: number;
  callsTo: Map<string, number[]>;
}

const RATE_PER_S = 200;

/** ~10 ms with a log-normal spread (sigma 0.3): p50 10 ms, p99 about 20 ms. */
function typical(random: () => number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return 10 * Math.exp(0.3 * normal);
}

async function simulate(router: Router, clock: ManualClock, behaviour: Behaviour, options: { durationMs: number; timeoutMs: number; seed: number }): Promise<SimResult> {
  const random = seededRandom(options.seed);
  const start = clock.now();
  const latencies: number[] = [];
  const callsTo = new Map<string, number[]>();
  let timeouts = 0;
  // Arrivals: a Poisson process, each scheduled on the clock.
  let t = 0;
  const arrivals: number[] = [];
  while (t < options.durationMs) {
    t += -Math.log(1 - random()) * (1_000 / RATE_PER_S);
    arrivals.push(t);
  }
  for (const at of arrivals) {
    clock.setTimer(at, () => {
      const began = clock.now();
      const e = router.pick();
      const list = callsTo.get(e.name) ?? [];
      list.push(began - start);
      callsTo.set(e.name, list);
      const answer = behaviour(e.name, began - start, random);
      const answersIn = answer.latencyMs === 'never' ? Infinity : answer.latencyMs;
      if (answersIn <= options.timeoutMs) {
        clock.setTimer(answersIn, () => {
          latencies.push(answersIn);
          router.record(e, answer.outcome, answersIn);
        });
      } else if (options.timeoutMs !== Infinity) {
        clock.setTimer(options.timeoutMs, () => {
          timeouts++;
          latencies.push(options.timeoutMs);
          router.record(e, 'gateway', options.timeoutMs);
        });
      }
    });
  }
  await clock.advance(options.durationMs + Math.min(options.timeoutMs, 5_000) + 10);
  return { latencies: Float64Array.from(latencies).sort(), timeouts, callsTo };
}

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const NAMES = ['api0', 'api1', 'api2', 'api3', 'api4'];

function ourGroup(strategy: FailoverStrategy, clock: ManualClock, extra: Partial<FailoverGroupOptions<string>> = {}): FailoverGroup<string> {
  return failoverGroup({ name: 'sim', strategy, endpoints: NAMES.map((name) => ({ name, target: name })), clock, random: seededRandom(42), ...extra });
}

// ---- b. p99 with one endpoint slowed ---------------------------------------------------------------

async function slowEndpoint(): Promise<Row[]> {
  const rows: Row[] = [];
  const slow: Behaviour = (name, _t, random) => ({ latencyMs: name === 'api2' ? 2_000 : typical(random), outcome: 'success' });
  const healthy: Behaviour = (_name, _t, random) => ({ latencyMs: typical(random), outcome: 'success' });
  for (const timeoutMs of [1_000, Infinity]) {
    const label = timeoutMs === Infinity ? 'no caller timeout' : '1 s caller timeout';
    const cases: Array<[string, (clock: ManualClock) => Router, Behaviour]> = [
      ['single healthy endpoint', () => plainRoundRobin(['api0']), healthy],
      ['plain round robin', () => plainRoundRobin(NAMES), slow],
      ['our p2c + outlier detection', (clock) => ourGroup('p2c', clock), slow],
      ['our priority + outlier detection', (clock) => ourGroup('priority', clock), slow],
      ['our roundRobin + outlier detection', (clock) => ourGroup('roundRobin', clock), slow],
    ];
    let single = 0;
    for (const [name, make, behaviour] of cases) {
      const clock = new ManualClock(0);
      const result = await simulate(make(clock), clock, behaviour, { durationMs: 120_000, timeoutMs, seed: 7 });
      const p99 = quantile(result.latencies, 0.99);
      if (name.startsWith('single')) single = p99;
      const toSlow = name.startsWith('single') ? 0 : (result.callsTo.get('api2')?.length ?? 0);
      rows.push({
        group: label,
        name: `${label}: ${name}`,
        value: Math.round(p99 * 10) / 10,
        unit: 'ms p99',
        note: `p50 ${quantile(result.latencies, 0.5).toFixed(1)} ms, p99.9 ${quantile(result.latencies, 0.999).toFixed(0)} ms; ${toSlow} of ${result.latencies.length} calls to the slow one (${((100 * toSlow) / result.latencies.length).toFixed(2)} %)${result.timeouts > 0 ? `, ${result.timeouts} timeouts` : ''}${name.startsWith('single') ? '' : `; p99 ${ratio(single, p99)} the single endpoint's`}`,
      });
    }
  }
  return rows;
}

// ---- c. time to stop routing to a dead endpoint ------------------------------------------------------

async function deadEndpoint(): Promise<Row[]> {
  const rows: Row[] = [];
  const KILL_AT = 10_000;
  const behaviours: Record<string, Behaviour> = {
    refused: (name, t, random) => (name === 'api2' && t >= KILL_AT ? { latencyMs: 1, outcome: 'gateway' } : { latencyMs: typical(random), outcome: 'success' }),
    'black hole': (name, t, random) => (name === 'api2' && t >= KILL_AT ? { latencyMs: 'never', outcome: 'gateway' } : { latencyMs: typical(random), outcome: 'success' }),
  };
  for (const [kind, behaviour] of Object.entries(behaviours)) {
    let clockRef: ManualClock | undefined;
    const check = (target: string): Promise<boolean> =>
      target === 'api2' && clockRef!.now() >= KILL_AT ? (kind === 'refused' ? Promise.reject(new Error('ECONNREFUSED')) : new Promise(() => undefined)) : Promise.resolve(true);
    const cases: Array<[string, (clock: ManualClock) => Router & { stop?: () => void }]> = [
      ['our priority + outlier detection', (clock) => ourGroup('priority', clock)],
      ['our p2c + outlier detection', (clock) => ourGroup('p2c', clock)],
      [
        'our priority, active health checks only (5 s, 3 failures)',
        (clock) => {
          const group = ourGroup('priority', clock, { outlierDetection: false, healthCheck: { check } });
          group.start();
          return group;
        },
      ],
      ['plain round robin', () => plainRoundRobin(NAMES)],
    ];
    for (const [name, make] of cases) {
      const clock = new ManualClock(0);
      clockRef = clock;
      const router = make(clock);
      const result = await simulate(router, clock, behaviour, { durationMs: 60_000, timeoutMs: 1_000, seed: 11 });
      router.stop?.();
      const after = (result.callsTo.get('api2') ?? []).filter((t) => t >= KILL_AT);
      // Stopped: the last call before the first quiet spell of 5 s (an ejection or ill health).
      let stopped = after.findIndex((t, i) => (after[i + 1] ?? Infinity) - t >= 5_000);
      if (stopped === -1 || after[stopped]! > 55_000) stopped = -1;
      const probes = stopped === -1 ? 0 : after.length - stopped - 1;
      rows.push({
        group: kind,
        name: `${kind}: ${name}`,
        value: stopped === -1 ? after.length : stopped + 1,
        unit: stopped === -1 ? 'calls, never stopped' : 'calls until stopped',
        note:
          stopped === -1
            ? 'still routed to it 50 s after the kill'
            : `stopped ${(after[stopped]! - KILL_AT).toFixed(0)} ms after the kill (simulated)${probes > 0 ? `; then ${probes} call${probes === 1 ? '' : 's'} as its ejections ended and it was tried again` : ''}`,
      });
    }
  }
  return rows;
}

export async function benchFailover(): Promise<void> {
  printTable('Failover: routing decision cost, 10 endpoints (median of 5 rounds)', decisionCost());
  printTable('Failover: latency seen by callers, 5 endpoints, one at 2 s (simulated, 200 calls/s for 120 s)', await slowEndpoint());
  printTable('Failover: time to stop routing to a dead endpoint (simulated, 200 calls/s, killed at 10 s)', await deadEndpoint());
}
