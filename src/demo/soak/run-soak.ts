/**
 * The soak: runs the demo (its simulated exchange, bot, faults and ops server) for a while,
 * records it as it runs and judges the recording against the invariants (docs/soak.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../core/clock.js';
import { buildApp } from '../../server/app.js';
import { startDemo, DEMO_DEFAULTS } from '../demo.js';
import { demoScenarios } from '../fault-injector.js';
import { SoakRecorder } from './recorder.js';
import { scaleScenarios } from './scale-scenarios.js';
import { type SoakLimits, type SoakResult, judgeSoak } from './verdict.js';

export interface SoakOptions extends Partial<SoakLimits> {
  /** How long to run. */
  minutes?: number;
  /** Where the demo keeps its data; a fresh temporary folder (removed afterwards) when omitted. */
  dataDir?: string;
  /** Quiet time between fault scenarios. */
  faultQuietMs?: number;
  /** Every scenario's duration (and Retry-After) times this: below 1 for faster fault cycles. */
  faultScale?: number;
  /** Time an intent may stay PENDING, SENT or UNKNOWN while the exchange holds no order for it. */
  unresolvedMs?: number;
  /** Time between two samples (memory, loop delay, journal check, rules, API poll). */
  sampleMs?: number;
  seed?: number;
  clock?: Clock;
  /** Told after each minute, for a progress line. */
  onMinute?: (minute: number) => void;
  /** Ends the run early (Ctrl+C): what was recorded so far is judged. */
  signal?: AbortSignal;
}

export const SOAK_DEFAULTS = {
  minutes: 60, // an hour: every scenario runs many times and a slow leak shows
  faultQuietMs: DEMO_DEFAULTS.faultQuietMs, // the demo's own cycle unless asked for a faster one
  faultScale: 1, // the demo's own scenario durations
  // Breaker open time (6 s) + a trial call (a tick and at most the 4 s order timeout) + resolving the
  // orders a fault left UNKNOWN (recvWindow 5 s + 10 s matching-engine timeout + margin): about 30 s.
  recoveryMs: 30_000,
  followUpMs: 10_000, // the journal's follow-up bound in the demo (docs/trading.md)
  unresolvedMs: 60_000, // an UNKNOWN intent the exchange never got ends FAILED well within a minute
  sampleMs: 5_000, // 12 samples a minute: enough for a regression, cheap next to the demo
  warmupMs: 30_000, // start-up allocations and JIT are not growth
  maxRuleSilenceMs: 10_000, // the demo evaluates its rules every 2 s: five missed evaluations
  maxHeapGrowthMbPerHour: 32, // the simulated exchange keeps every order (~3,600 an hour) in memory: a few MB/h
  maxRssGrowthMbPerHour: 64, // RSS also holds SQLite's page cache and freed pages the allocator keeps
  maxLoopDelayGrowthMsPerHour: 10, // a loop that slows by 10 ms an hour would be sluggish within a day
  heapAllowanceMb: 16, // ccxt's order cache (1,000 orders) and lazily compiled code fill up in the first minutes
  rssAllowanceMb: 64, // the allocator keeps what the heap grew to; SQLite's page cache fills
  loopDelayAllowanceMs: 25, // one busy neighbour on a shared machine moves the 99th percentile this much
  seed: 42,
  clock: systemClock as Clock,
};

/** Runs the soak and returns its verdict; never throws for a failed invariant. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const o = { ...SOAK_DEFAULTS, ...options };
  if (!(o.minutes > 0 && Number.isFinite(o.minutes))) throw new RangeError(`soak: minutes must be a number > 0, got ${o.minutes}`);
  for (const name of ['faultQuietMs', 'recoveryMs', 'followUpMs', 'unresolvedMs', 'sampleMs', 'warmupMs'] as const) {
    if (!(o[name] >= 0 && Number.isFinite(o[name]))) throw new RangeError(`soak: ${name} must be a number >= 0, got ${o[name]}`);
  }
  if (!(o.sampleMs > 0)) throw new RangeError(`soak: sampleMs must be > 0, got ${o.sampleMs}`);
  const scenarios = scaleScenarios(demoScenarios, o.faultScale);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'bulwark-soak-')));
  const demo = await startDemo({ dataDir, seed: o.seed, clock: o.clock, faultQuietMs: o.faultQuietMs, scenarios });
  try {
    const app = await buildApp({ ...demo.components, isReady: () => true });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const apiUrl = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : undefined;
      const recorder = new SoakRecorder(demo, { clock: o.clock, sampleMs: o.sampleMs, followUpMs: o.followUpMs, unresolvedMs: o.unresolvedMs, warmupMs: o.warmupMs, apiUrl });
      recorder.start();
      const durationMs = o.minutes * 60_000;
      try {
        for (let minute = 1; minute * 60_000 <= durationMs; minute++) {
          await o.clock.sleep(60_000, options.signal);
          o.onMinute?.(minute);
        }
        const rest = durationMs % 60_000;
        if (rest > 0) await o.clock.sleep(rest, options.signal);
      } catch (error) {
        if (!options.signal?.aborted) throw error;
      }
      return judgeSoak(await recorder.stop(), o);
    } finally {
      await app.close();
    }
  } finally {
    await demo.stop();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  }
}
