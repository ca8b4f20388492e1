/** The dead-letter queues kept in one database, with their letter counts (for `bulwark dlq queues`). */
import type { Queryable } from '../storage/types.js';

export interface DeadLetterQueueSummary {
  queue: string;
  /** Letters kept, pending and replayed. */
  letters: number;
  pending: number;
}

/** Every queue with at least one letter, by name. */
export async function deadLetterQueues(store: Queryable): Promise<DeadLetterQueueSummary[]> {
  const rows = await store.all<{ queue: string; letters: number | string; pending: number | string | null }>(
    `SELECT queue, COUNT(*) AS letters, SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending FROM dead_letters GROUP BY queue ORDER BY queue`,
  );
  return rows.map((r) => ({ queue: r.queue, letters: Number(r.letters), pending: Number(r.pending ?? 0) }));
}
