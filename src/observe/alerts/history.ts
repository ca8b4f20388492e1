/** Where alert transitions and notification outcomes are kept. */

export interface AlertHistoryEntry {
  at: number;
  rule: string;
  /** pending, firing, resolved, inactive (pending that cleared), notified, notify-failed. */
  event: 'pending' | 'firing' | 'resolved' | 'inactive' | 'notified' | 'notify-failed';
  severity: string;
  value?: number;
  detail?: string;
}

export interface AlertHistory {
  record(entry: AlertHistoryEntry): void | Promise<void>;
  list(options?: { limit?: number; rule?: string }): AlertHistoryEntry[] | Promise<AlertHistoryEntry[]>;
}

/** A bounded in-memory history (newest first on read); the service persists through storage instead. */
export function memoryAlertHistory(capacity = 1_000): AlertHistory {
  const entries: AlertHistoryEntry[] = [];
  return {
    record(entry) {
      entries.push(entry);
      if (entries.length > capacity) entries.splice(0, entries.length - capacity);
    },
    list({ limit = 100, rule } = {}) {
      const out: AlertHistoryEntry[] = [];
      for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
        const e = entries[i]!;
        if (!rule || e.rule === rule) out.push(e);
      }
      return out;
    },
  };
}
