/**
 * Latency distributions as DDSketches (@datadog/sketches-js): mergeable, so the percentiles of
 * any range are those of the merged buckets, and exact to a stated relative error: a quantile
 * read from the sketch is within `relativeAccuracy` (1% by default) of the true value of that
 * rank. Values are milliseconds; a value under the mapping's smallest (about 1e-300) counts as 0.
 *
 * The serialized form is our own, compact and versioned (the library's protobuf form needs a
 * package it does not install): a header, then each store's bins from its lowest key as varints.
 */
import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { checkInteger, checkNumber } from '../core/option-checks.js';

/**
 * The parts of a DDSketch this module uses. Our own interface: the library's type declarations
 * import a package it does not install (protobufjs), so no public type of ours may name them.
 */
export interface LatencySketch {
  count: number;
  zeroCount: number;
  sum: number;
  min: number;
  max: number;
  readonly mapping: { readonly minPossible: number; key(value: number): number; value(key: number): number };
  readonly store: { bins: number[]; count: number; minKey: number; maxKey: number; offset: number; add(key: number, weight?: number): void };
  accept(value: number, weight?: number): void;
  getValueAtQuantile(quantile: number): number;
}

export interface SketchOptions {
  /** Relative error of every quantile read; 1% tells 100 ms from 102 ms, enough to tune a timeout. */
  relativeAccuracy?: number;
  /** Bins kept before the lowest collapse; 2048 spans 1 µs to hours at 1% and never collapses there. */
  binLimit?: number;
}

export const SKETCH_DEFAULTS = {
  relativeAccuracy: 0.01, // 100 ms is told from 102 ms: enough to tune a timeout
  binLimit: 2_048, // 1 µs to hours at 1% needs ~1,400 bins: the bound is never reached by latencies
} satisfies Required<SketchOptions>;

const FORMAT_VERSION = 1;

export function resolveSketchOptions(options: SketchOptions = {}): Required<SketchOptions> {
  const o = { ...SKETCH_DEFAULTS, ...options };
  checkNumber('latencySketch', 'relativeAccuracy', o.relativeAccuracy, 0, 0.5, true);
  checkInteger('latencySketch', 'binLimit', o.binLimit, 16);
  return o;
}

export function newSketch(options: Required<SketchOptions> = SKETCH_DEFAULTS): LatencySketch {
  return new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: options.relativeAccuracy, binLimit: options.binLimit });
}

/** Adds one duration (ms); negative durations (a clock set back) count as 0. */
export function acceptLatency(sketch: LatencySketch, durationMs: number): void {
  sketch.accept(durationMs > 0 ? durationMs : 0);
}

/** The value at quantile q (0..1), NaN when the sketch is empty. */
export function quantileOf(sketch: LatencySketch, q: number): number {
  return sketch.count === 0 ? NaN : Math.max(0, sketch.getValueAtQuantile(q));
}

/**
 * How many values lie above `thresholdMs`, read from the bins: exact for a threshold rounded up to
 * its bin's upper edge, so values between thresholdMs and thresholdMs * gamma (gamma = (1+a)/(1-a),
 * 1.0202 at a = 1%) count as not above.
 */
export function countAbove(sketch: LatencySketch, thresholdMs: number): number {
  if (sketch.count === 0) return 0;
  if (!(thresholdMs > sketch.mapping.minPossible)) return sketch.store.count;
  const edge = sketch.mapping.key(thresholdMs);
  const { store } = sketch;
  let above = 0;
  for (let key = Math.max(edge + 1, store.minKey); key <= store.maxKey; key++) above += store.bins[key - store.offset] ?? 0;
  return above;
}

/** Merges `from` into `into` (both made with the same options). */
export function mergeSketch(into: LatencySketch, from: LatencySketch): void {
  if (from.count > 0) (into as LogCollapsingLowestDenseDDSketch).merge(from as LogCollapsingLowestDenseDDSketch);
}

// ---- serialization ----

class Writer {
  private bytes: number[] = [];
  u8(v: number): void {
    this.bytes.push(v & 0xff);
  }
  /** Unsigned varint (LEB128) of a non-negative integer up to 2^53. */
  uvar(v: number): void {
    let n = Math.round(v);
    while (n >= 0x80) {
      this.bytes.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.bytes.push(n);
  }
  /** Signed varint (zigzag). */
  svar(v: number): void {
    this.uvar(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    for (const x of b) this.bytes.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new RangeError('latency sketch: truncated data');
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }
  uvar(): number {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new RangeError('latency sketch: varint too long');
    }
  }
  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  f64(): number {
    this.need(8);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).getFloat64(0, true);
    this.at += 8;
    return v;
  }
}

/**
 * The sketch as bytes: version, accuracy, bin limit, count, zero count, sum, min, max, then the
 * positive store's lowest key and its bins up to the highest as varints (an empty bin is 1 byte).
 * Counts are whole numbers (one per call). An empty sketch takes 13 bytes.
 */
export function encodeSketch(sketch: LatencySketch, options: Required<SketchOptions>): Uint8Array {
  const w = new Writer();
  w.u8(FORMAT_VERSION);
  w.f64(options.relativeAccuracy);
  w.uvar(options.binLimit);
  w.uvar(sketch.count);
  w.uvar(sketch.zeroCount);
  if (sketch.count === 0) return w.done();
  w.f64(sketch.sum);
  w.f64(sketch.min);
  w.f64(sketch.max);
  const { store } = sketch;
  if (store.count === 0) {
    w.uvar(0);
    return w.done();
  }
  w.uvar(store.maxKey - store.minKey + 1);
  w.svar(store.minKey);
  for (let key = store.minKey; key <= store.maxKey; key++) w.uvar(store.bins[key - store.offset] ?? 0);
  return w.done();
}

/** Reads what `encodeSketch` wrote; a sketch of other options is refused (it could not merge). */
export function decodeSketch(bytes: Uint8Array, options: Required<SketchOptions>): LatencySketch {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== FORMAT_VERSION) throw new RangeError(`latency sketch: unknown format version ${version}`);
  const relativeAccuracy = r.f64();
  const binLimit = r.uvar();
  if (relativeAccuracy !== options.relativeAccuracy) {
    throw new RangeError(`latency sketch: stored with relativeAccuracy ${relativeAccuracy}, expected ${options.relativeAccuracy}`);
  }
  const sketch = new LogCollapsingLowestDenseDDSketch({ relativeAccuracy, binLimit });
  const count = r.uvar();
  const zeroCount = r.uvar();
  if (count === 0) return sketch;
  const sum = r.f64();
  const min = r.f64();
  const max = r.f64();
  const bins = r.uvar();
  if (bins > 0) {
    let key = r.svar();
    for (let i = 0; i < bins; i++, key++) {
      const n = r.uvar();
      if (n > 0) sketch.store.add(key, n);
    }
  }
  sketch.zeroCount = zeroCount;
  sketch.count = count;
  sketch.sum = sum;
  sketch.min = min;
  sketch.max = max;
  if (sketch.store.count + zeroCount !== count) throw new RangeError('latency sketch: counts do not add up');
  return sketch;
}

/**
 * `countAbove` read straight from the bytes `encodeSketch` wrote, without building the sketch (an
 * SLO over weeks reads thousands of rows): the sketch's count, and how many values lie above
 * `thresholdMs`, with the same rounding to the threshold's bin.
 */
export function encodedCountAbove(bytes: Uint8Array, options: Required<SketchOptions>, thresholdMs: number): { count: number; above: number } {
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== FORMAT_VERSION) throw new RangeError(`latency sketch: unknown format version ${version}`);
  const relativeAccuracy = r.f64();
  if (relativeAccuracy !== options.relativeAccuracy) throw new RangeError(`latency sketch: stored with relativeAccuracy ${relativeAccuracy}, expected ${options.relativeAccuracy}`);
  r.uvar(); // bin limit
  const count = r.uvar();
  const zeroCount = r.uvar();
  if (count === 0) return { count: 0, above: 0 };
  r.f64();
  r.f64();
  r.f64();
  const bins = r.uvar();
  if (bins === 0) return { count, above: 0 };
  const edge = edgeKey(options, thresholdMs);
  let key = r.svar();
  let above = 0;
  for (let i = 0; i < bins; i++, key++) {
    const n = r.uvar();
    if (key > edge) above += n;
  }
  return { count, above: edge === -Infinity ? count - zeroCount : above };
}

const edges = new Map<string, number>();

/** The bin key of `thresholdMs` (-Infinity when every positive value lies above it). */
function edgeKey(options: Required<SketchOptions>, thresholdMs: number): number {
  const id = `${options.relativeAccuracy}|${thresholdMs}`;
  let edge = edges.get(id);
  if (edge === undefined) {
    const mapping = newSketch(options).mapping;
    edge = thresholdMs > mapping.minPossible ? mapping.key(thresholdMs) : -Infinity;
    if (edges.size < 1_000) edges.set(id, edge);
  }
  return edge;
}
