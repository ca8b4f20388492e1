/**
 * Small measuring kit for side-by-side benchmarks: every case runs in this one process, warmed up,
 * in several rounds, and reports the median. Results are figures for BENCHMARKS.md, never asserts.
 */

export interface Row {
  group: string;
  name: string;
  /** Nanoseconds per operation (median of the rounds). */
  nsPerOp?: number;
  /** Operations per second (from nsPerOp, or measured directly). */
  opsPerSec?: number;
  /** Any other figure (bytes, ratio...), printed as is. */
  value?: number;
  unit?: string;
  note?: string;
}

export interface MeasureOptions {
  /** Operations per round. */
  iterations?: number;
  /** Rounds measured after warm-up; the median is reported. */
  rounds?: number;
  /** Operations run before measuring, so the JIT has settled. */
  warmup?: number;
}

const measureDefaults: Required<MeasureOptions> = {
  iterations: 200_000, // long enough that timer resolution is noise
  rounds: 5, // median of 5 damps a stray GC or a neighbour's burst
  warmup: 50_000, // enough calls for V8 to optimise the hot path
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Median ns per awaited call of `op`, called one after another. */
export async function timeAsync(op: () => Promise<unknown>, options: MeasureOptions = {}): Promise<number> {
  const { iterations, rounds, warmup } = { ...measureDefaults, ...options };
  for (let i = 0; i < warmup; i++) await op();
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await op();
    results.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(results);
}

/**
 * CPU nanoseconds (user + system, this process) per awaited call of `op`. Time the process spends
 * waiting for a core on a busy machine is not counted, so two cases measured back to back compare
 * fairly even while neighbours come and go.
 */
export async function cpuNsPerOp(op: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await op();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1_000) / iterations;
}

/** Median ns per call of a synchronous `op`. */
export function timeSync(op: () => unknown, options: MeasureOptions = {}): number {
  const { iterations, rounds, warmup } = { ...measureDefaults, ...options };
  for (let i = 0; i < warmup; i++) op();
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) op();
    results.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(results);
}

/** Forces a full GC when the process runs with --expose-gc (npm run bench does). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench does) to measure memory');
  gc();
  gc();
}

/** Heap bytes retained per item made by `make`, measured over `count` items. */
export function heapBytesPer<T>(count: number, make: (i: number) => T, dispose?: (items: T[]) => void): number {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const items: T[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = make(i);
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  dispose?.(items);
  return (after - before) / count;
}

export function formatNs(ns: number): string {
  return ns >= 1_000_000 ? `${(ns / 1_000_000).toFixed(2)} ms` : ns >= 1_000 ? `${(ns / 1_000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

/** Prints rows as a Markdown table (ready to paste into BENCHMARKS.md). */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| case | per op | ops/s | other | note |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    const ops = row.opsPerSec ?? (row.nsPerOp ? 1e9 / row.nsPerOp : undefined);
    console.log(
      `| ${row.name} | ${row.nsPerOp !== undefined ? formatNs(row.nsPerOp) : ''} | ${ops !== undefined ? Math.round(ops).toLocaleString('en-US') : ''} | ${
        row.value !== undefined ? `${row.value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${row.unit ?? ''}` : ''
      } | ${row.note ?? ''} |`,
    );
  }
}

/** "ours is N x faster/cheaper than theirs": ratio = theirs / ours. */
export function ratio(ours: number, theirs: number): string {
  return `${(theirs / ours).toFixed(2)}x`;
}
