/**
 * Adaptive concurrency: a limiter that finds how many calls a dependency can take at once.
 *
 * The fake pricing service answers in 20 ms while it has at most 10 calls in hand; every call
 * beyond that adds 10 ms to everyone's latency (it queues internally). Thirty workers call it
 * as fast as they can, first with nothing in front, then through `adaptiveConcurrency` with
 * Gradient2, which shrinks its limit when latency climbs above its long-run average and grows it
 * while latency holds. The limit settles near what the service can take: fewer calls pile up
 * inside it, each call is faster, and the same work finishes sooner.
 *
 * Run: npx tsx examples/adaptive-concurrency.ts
 */
import { type Clock, type Policy, systemClock } from 'bulwark';
import { adaptiveConcurrency, gradient2 } from 'bulwark';

export interface AdaptiveConcurrencyExampleOptions {
  clock?: Clock;
  /** Calls made in each run; 400 keeps a run on the real clock to about two seconds. */
  calls?: number;
  log?: (line: string) => void;
}

const workers = 30;

/** A dependency whose latency rises with the number of calls it holds. */
function pricingService(clock: Clock) {
  let inflight = 0;
  let peak = 0;
  return {
    get peak() {
      return peak;
    },
    async quote(): Promise<number> {
      inflight++;
      peak = Math.max(peak, inflight);
      const latencyMs = 20 + 10 * Math.max(0, inflight - 10);
      try {
        await clock.sleep(latencyMs);
        return 100;
      } finally {
        inflight--;
      }
    },
  };
}

/** Thirty workers make `calls` calls in all, each through `policy` (or directly); returns latency stats. */
async function load(clock: Clock, calls: number, policy?: Policy) {
  const service = pricingService(clock);
  const latencies: number[] = [];
  let started = 0;
  let shed = 0;
  const t0 = clock.now();
  const worker = async () => {
    while (started < calls) {
      started++;
      const callStart = clock.now();
      try {
        await (policy ? policy.execute(() => service.quote()) : service.quote());
        latencies.push(clock.now() - callStart);
      } catch {
        shed++; // refused by the limiter (BulkheadFullError): the caller would back off or degrade
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsedMs = clock.now() - t0;
  latencies.sort((a, b) => a - b);
  const meanMs = Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length);
  return { elapsedMs, meanMs, p90Ms: latencies[Math.floor(latencies.length * 0.9)] ?? 0, peakInflight: service.peak, shed };
}

export async function main(options: AdaptiveConcurrencyExampleOptions = {}) {
  const clock = options.clock ?? systemClock;
  const calls = options.calls ?? 400;
  const log = options.log ?? ((line: string) => console.log(line));

  const unguarded = await load(clock, calls);
  log(`no limiter:       ${calls} calls in ${unguarded.elapsedMs} ms, mean ${unguarded.meanMs} ms, p90 ${unguarded.p90Ms} ms, ${unguarded.peakInflight} calls in the service at most`);

  const limiter = adaptiveConcurrency({
    // queueSize 1: Gradient2's default headroom of 4 is large next to a limit of about 10.
    algorithm: gradient2({ initialLimit: 20, queueSize: 1 }),
    maxQueue: workers, // callers wait for a slot rather than being refused
    clock,
  });
  const limits: number[] = [];
  limiter.on('stateChange', ({ to }) => limits.push(to));
  const guarded = await load(clock, calls, limiter);
  const settled = limits.slice(-100);
  log(`adaptive limiter: ${calls} calls in ${guarded.elapsedMs} ms, mean ${guarded.meanMs} ms, p90 ${guarded.p90Ms} ms, ${guarded.peakInflight} calls in the service at most`);
  log(`limit moved ${limits.length} times; over the last 100 moves it stayed within ${Math.round(Math.min(...settled))}..${Math.round(Math.max(...settled))}`);

  const settledRange = [Math.round(Math.min(...settled)), Math.round(Math.max(...settled))] as const;
  return { unguarded, guarded, finalLimit: limiter.limit, settledRange };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
