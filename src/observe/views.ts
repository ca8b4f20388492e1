/**
 * The shapes the dashboard reads from the ops API: dependency tiles, limit usage and order
 * views. Plain data with no imports, so the browser code (web/) can use the same types as the
 * server without pulling in anything that needs Node.
 */

export interface DependencyTile {
  name: string;
  state: string;
  /** Calls per second over the window (successes + failures + rejections). */
  requestRate: number;
  /** Failed and rejected calls as a percentage of all calls in the window (0-100). */
  errorPercent: number;
  calls: number;
  failures: number;
  rejected: number;
  /** Latency percentiles of completed calls in ms; null with no calls. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** 0-1, or null when nothing measures it. */
  saturation: number | null;
}

export interface LimitUsage {
  name: string;
  description: string;
  windowMs: number;
  /** Units admitted within the window. */
  admitted: number;
  /** Requests refused within the window. */
  limited: number;
  /** admitted / capacity (0-1), or null when the capacity is unknown. */
  usage: number | null;
  /** Acquires waiting now (0 when the limiter has no queue). */
  queued: number;
}

/** An order intent's journal record as a resilient exchange keeps it (typed by shape: observe/ imports nothing from trading/). */
export interface IntentRecordLike {
  intentId: string;
  clientOrderId: string;
  symbol: string;
  side: string;
  amount: number;
  price: number | null;
  state: string;
  error: string | null;
}

/** One order as the dashboard shows it: the journal record and when it last changed. */
export interface OrderView extends IntentRecordLike {
  at: number;
}
