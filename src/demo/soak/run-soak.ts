/**
 * The soak: runs the demo (its simulated exchange, bot, faults and ops server) for a while,
 * records it as it runs and judges the recording against the invariants (docs/soak.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { checkNumber } from '../../core/option-checks.js';
import { buildApp } from '../../server/app.js';
import { startDemo } from '../demo.js';
import { demoScenarios } from '../fault-injector.js';
import { SoakRecorder } from './recorder.js';
import { SOAK_DEFAULTS } from './soak-defaults.js';
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

export { SOAK_DEFAULTS } from './soak-defaults.js';

/** Runs the soak and returns its verdict; never throws for a failed invariant. */
export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const o = { ...SOAK_DEFAULTS, ...options };
  checkNumber('soak', 'minutes', o.minutes, 0, Infinity, true);
  for (const name of ['faultQuietMs', 'recoveryMs', 'followUpMs', 'unresolvedMs', 'warmupMs'] as const) checkNumber('soak', name, o[name], 0);
  checkNumber('soak', 'sampleMs', o.sampleMs, 0, Infinity, true);
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
