import { checkNumber } from '../../core/option-checks.js';
import type { LimitAlgorithm, LimitSample } from './limit-algorithm.js';
import { withDefaults } from '../../core/options.js';

/**
 * Additive increase, multiplicative decrease (Netflix concurrency-limits `AIMDLimit`): a drop or
 * a call slower than `timeoutMs` multiplies the limit by `backoffRatio`; a success while the
 * limiter is at least half used adds one. An idle client does not grow its limit.
 */
export interface AimdOptions {
  /** Starting limit; 20 is Netflix's default, enough for a busy client without a flood. */
  initialLimit?: number;
  /** Lower bound; 1 keeps one call going so the limiter can learn that the service recovered. */
  minLimit?: number;
  /** Upper bound; 200 is Netflix's default and far above any exchange's connection budget. */
  maxLimit?: number;
  /** Factor applied on a drop, in [0.5, 1); 0.9 is Netflix's default: gentle, repeated cuts. */
  backoffRatio?: number;
  /** A call slower than this counts as a drop; 5 s is Netflix's default. */
  timeoutMs?: number;
}

export const AIMD_DEFAULTS = {
  initialLimit: 20,
  minLimit: 1,
  maxLimit: 200,
  backoffRatio: 0.9,
  timeoutMs: 5_000,
} satisfies Required<AimdOptions>;

export class AimdLimit implements LimitAlgorithm {
  private current: number;
  private readonly options: Required<AimdOptions>;

  constructor(options: AimdOptions = {}) {
    const o = withDefaults(AIMD_DEFAULTS, options);
    checkNumber('aimd', 'minLimit', o.minLimit, 1);
    checkNumber('aimd', 'maxLimit', o.maxLimit, o.minLimit);
    checkNumber('aimd', 'initialLimit', o.initialLimit, o.minLimit, o.maxLimit);
    if (!(o.backoffRatio >= 0.5 && o.backoffRatio < 1)) {
      throw new RangeError(`aimd: backoffRatio must be >= 0.5 and < 1 so a drop lowers the limit, got ${o.backoffRatio}`);
    }
    checkNumber('aimd', 'timeoutMs', o.timeoutMs, 0, Infinity, true);
    this.options = o;
    this.current = Math.floor(o.initialLimit);
  }

  get limit(): number {
    return this.current;
  }

  onSample(sample: LimitSample): number {
    const { backoffRatio, timeoutMs, minLimit, maxLimit } = this.options;
    let next = this.current;
    if (sample.dropped || sample.rttMs > timeoutMs) next = Math.floor(next * backoffRatio);
    else if (sample.inflight * 2 >= next) next = next + 1;
    this.current = Math.min(maxLimit, Math.max(minLimit, next));
    return this.current;
  }
}

/** An AIMD limit algorithm for `adaptiveConcurrency({ algorithm })`. */
export function aimd(options: AimdOptions = {}): AimdLimit {
  return new AimdLimit(options);
}
