/** The what-if replay: a dependency's call trace through the real policies, on a ManualClock. */
import type { CallTrace, PolicySettings, ReplayOptions, ReplayReport } from './types.js';

export async function replay(trace: CallTrace, settings: PolicySettings, options: ReplayOptions = {}): Promise<ReplayReport> {
  void trace;
  void settings;
  void options;
  throw new Error('replay: not implemented');
}
