import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/core/random.js';
import { SKETCH_DEFAULTS, acceptLatency, countAbove, decodeSketch, encodeSketch, encodedCountAbove, mergeSketch, newSketch, quantileOf, resolveSketchOptions } from '../../src/analytics/latency-sketch.js';

const options = resolveSketchOptions();

/** The value of rank floor(q * (n - 1)) of the sorted values: the quantile DDSketch estimates. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function lognormal(random: () => number, medianMs: number): number {
  const u = Math.max(random(), 1e-12);
  const v = random();
  return medianMs * Math.exp(0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

describe('latency sketch', () => {
  it('reads every quantile within the stated relative error, after merging parts and a round trip through bytes', () => {
    const random = seededRandom(17);
    const values: number[] = [];
    const parts = [newSketch(options), newSketch(options), newSketch(options)];
    for (let i = 0; i < 30_000; i++) {
      const v = lognormal(random, 40) + (i % 97 === 0 ? 2_000 : 0);
      values.push(v);
      acceptLatency(parts[i % 3]!, v);
    }
    const merged = newSketch(options);
    for (const part of parts) mergeSketch(merged, decodeSketch(encodeSketch(part, options), options));
    values.sort((a, b) => a - b);
    expect(merged.count).toBe(values.length);
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(quantileOf(merged, q) - exact) / exact).toBeLessThanOrEqual(SKETCH_DEFAULTS.relativeAccuracy);
    }
  });

  it('keeps count, zero count, sum, min and max through encoding, and refuses a sketch of another accuracy', () => {
    const s = newSketch(options);
    for (const v of [0, 0, 5, 12.5, 300]) acceptLatency(s, v);
    const back = decodeSketch(encodeSketch(s, options), options);
    expect({ count: back.count, zero: back.zeroCount, sum: back.sum, min: back.min, max: back.max }).toEqual({ count: 5, zero: 2, sum: 317.5, min: 0, max: 300 });
    expect(() => decodeSketch(encodeSketch(s, options), resolveSketchOptions({ relativeAccuracy: 0.02 }))).toThrow(/relativeAccuracy 0.01, expected 0.02/);
    expect(() => decodeSketch(encodeSketch(s, options).slice(0, 12), options)).toThrow(/truncated/);
  });

  it('is compact: an empty sketch in 13 bytes, a day of lognormal latencies in well under a kilobyte', () => {
    expect(encodeSketch(newSketch(options), options).byteLength).toBe(13);
    const s = newSketch(options);
    const random = seededRandom(3);
    for (let i = 0; i < 10_000; i++) acceptLatency(s, lognormal(random, 40));
    expect(encodeSketch(s, options).byteLength).toBeLessThan(1_000);
  });

  it('counts values above a threshold exactly up to one bin past it', () => {
    const s = newSketch(options);
    const values = Array.from({ length: 1_000 }, (_, i) => i + 1); // 1..1000 ms
    for (const v of values) acceptLatency(s, v);
    const above = countAbove(s, 500);
    // Exact: 500 values above 500; values within one bin (2%) above the threshold may count as not above.
    expect(above).toBeLessThanOrEqual(500);
    expect(above).toBeGreaterThanOrEqual(values.filter((v) => v > 500 * 1.0203).length);
    expect(countAbove(s, 5_000)).toBe(0);
    expect(countAbove(s, 0)).toBe(1_000);
  });

  it('counts above a threshold from the bytes as it does from the sketch', () => {
    const random = seededRandom(11);
    const s = newSketch(options);
    for (let i = 0; i < 5_000; i++) acceptLatency(s, i % 10 === 0 ? 0 : lognormal(random, 80));
    const bytes = encodeSketch(s, options);
    for (const threshold of [0, 1, 50, 80, 120, 400, 1e6, Infinity]) {
      expect(encodedCountAbove(bytes, options, threshold), `threshold ${threshold}`).toEqual({ count: 5_000, above: countAbove(s, threshold) });
    }
    expect(encodedCountAbove(encodeSketch(newSketch(options), options), options, 10)).toEqual({ count: 0, above: 0 });
  });

  it('names the option when the accuracy is out of range', () => {
    expect(() => resolveSketchOptions({ relativeAccuracy: 0 })).toThrow('latencySketch: relativeAccuracy must be a finite number > 0 and <= 0.5, got 0');
  });
});
