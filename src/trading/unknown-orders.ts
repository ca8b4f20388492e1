/**
 * The orders whose outcome is unknown and still unresolved, for the gate's unknown-orders rule:
 * intent id -> when it became unknown and who reported it. Counts only those that became unknown
 * within a window; a source's complete list (the order follower's view of the journal) replaces
 * what that source reported.
 */
export class UnresolvedOrders {
  private readonly entries = new Map<string, { since: number; source: string }>();
  private anonymous = 0;

  constructor(private readonly windowMs: number) {}

  /** Adds an order (a generated id when none is given: it can only age out); true when it is new. */
  add(intentId: string | undefined, since: number, source: string): boolean {
    const id = intentId ?? `anonymous:${++this.anonymous}`;
    if (this.entries.has(id)) return false;
    this.entries.set(id, { since, source });
    return true;
  }

  /** Removes a resolved order; true when it was counted. */
  resolve(intentId: string): boolean {
    return this.entries.delete(intentId);
  }

  /** Replaces `source`'s orders with `list`; true when the list holds an order not known before. */
  sync(source: string, list: ReadonlyArray<{ intentId: string; since: number }>): boolean {
    const listed = new Set(list.map((u) => u.intentId));
    for (const [id, entry] of this.entries) if (entry.source === source && !listed.has(id)) this.entries.delete(id);
    let fresh = false;
    for (const u of list) {
      const entry = this.entries.get(u.intentId);
      if (!entry) fresh = true;
      this.entries.set(u.intentId, { since: entry ? Math.min(entry.since, u.since) : u.since, source });
    }
    return fresh;
  }

  /** How many became unknown within the window before `now` (one exactly `windowMs` old no longer counts). */
  count(now: number): number {
    let n = 0;
    for (const { since } of this.entries.values()) if (now - since < this.windowMs) n++;
    return n;
  }
}
