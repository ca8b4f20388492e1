/** The typed arrays a slot table can keep its numbers in. */
export type SlotArray = Float64Array | Uint32Array;

/**
 * Per-key numeric state for the memory store, kept small: a Map from key to slot number (a small
 * integer, stored unboxed) and one typed array holding `stride` numbers per slot (Float64 for
 * times, Uint32 for counts). Keys whose state
 * has returned to idle are swept when the table is full, before it grows, so memory follows the
 * number of active keys and the sweep costs O(1) amortised per new key.
 */
export class SlotTable<A extends SlotArray = Float64Array> {
  /** The numbers of every slot; slot `s` occupies `data[s * stride .. s * stride + stride - 1]`. */
  data: A;
  private readonly index = new Map<string, number>();
  private free: number[] = [];
  private used = 0;

  /**
   * @param stride numbers per key
   * @param isIdle whether the slot at `base` holds nothing worth keeping at `now`
   * @param reset writes a fresh slot's idle state (default: all zeros)
   * @param create makes the backing array (default: Float64Array)
   */
  constructor(
    readonly stride: number,
    private readonly isIdle: (data: A, base: number, now: number) => boolean,
    private readonly reset: (data: A, base: number) => void = (data, base) => void data.fill(0, base, base + stride),
    // 64 keys to start, fewer when each key is large (a sliding log of a big limit): ~64 KB at most.
    capacity = Math.max(4, Math.min(64, Math.floor(8192 / stride))),
    private readonly create: (length: number) => A = (length) => new Float64Array(length) as A,
  ) {
    this.data = create(capacity * stride);
  }

  /** Keys holding state. */
  get size(): number {
    return this.index.size;
  }

  /** The base offset of `key`'s numbers, or -1 when it has none. */
  find(key: string): number {
    const slot = this.index.get(key);
    return slot === undefined ? -1 : slot * this.stride;
  }

  /** The base offset of `key`'s numbers, allocating a fresh (idle) slot when it has none. */
  get(key: string, now: number): number {
    const slot = this.index.get(key);
    if (slot !== undefined) return slot * this.stride;
    return this.allocate(key, now) * this.stride;
  }

  private allocate(key: string, now: number): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      const capacity = this.data.length / this.stride;
      if (this.used === capacity) {
        this.sweep(now);
        slot = this.free.pop();
        // Grow when the sweep freed less than a quarter, so sweeps stay amortised O(1) per key.
        if (this.free.length < capacity / 4) this.grow(capacity * 2);
      }
      if (slot === undefined) slot = this.used++;
    }
    this.index.set(key, slot);
    this.reset(this.data, slot * this.stride);
    return slot;
  }

  private grow(capacity: number): void {
    const data = this.create(capacity * this.stride);
    data.set(this.data);
    this.data = data;
  }

  /** Frees every idle slot; returns how many were freed. */
  sweep(now: number): number {
    const { data, stride } = this;

    let freed = 0;
    for (const [key, slot] of this.index) {
      const base = slot * stride;
      if (!this.isIdle(data, base, now)) continue;
      this.index.delete(key);
      this.free.push(slot);
      freed++;
    }
    return freed;
  }
}
