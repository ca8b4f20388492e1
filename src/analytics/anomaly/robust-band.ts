/**
 * Robust statistics of a set of points: the median as the baseline, the median absolute deviation
 * (MAD) scaled by 1.4826 as the spread (the standard deviation for normal noise). Unlike a mean and
 * standard deviation, neither moves when less than half of the points are outliers, so the faults
 * a baseline is meant to reveal cannot drag it along.
 */

/** 1 / Phi^-1(3/4): makes the MAD estimate the standard deviation of normal noise. */
export const MAD_SCALE = 1.4826;

export interface RobustBand {
  /** The median. */
  baseline: number;
  /** 1.4826 x MAD. */
  spread: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function robustBand(values: readonly number[]): RobustBand {
  const baseline = median(values);
  return { baseline, spread: MAD_SCALE * median(values.map((v) => Math.abs(v - baseline))) };
}
