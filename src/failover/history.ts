/** A group's failover history: the latest changes in a ring, oldest first when read. */
import type { FailoverChange } from './types.js';

export class ChangeHistory {
  private readonly entries: FailoverChange[] = [];
  /** Where the next entry goes once the ring is full. */
  private next = 0;

  constructor(private readonly size: number) {}

  add(change: FailoverChange): void {
    if (this.entries.length < this.size) {
      this.entries.push(change);
      return;
    }
    this.entries[this.next] = change;
    this.next = (this.next + 1) % this.size;
  }

  /** A copy, oldest first. */
  list(): FailoverChange[] {
    return [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
  }
}
