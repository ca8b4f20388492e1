/** The shapes the ops API sends (mirrors src/server/overview.ts and live-events.ts; the page only reads them). */
export interface Tile {
  name: string;
  state: string;
  requestRate: number;
  errorPercent: number;
  calls: number;
  failures: number;
  rejected: number;
  p50Ms: number | null;
  p99Ms: number | null;
  saturation: number | null;
}

export interface BreakerView {
  name: string;
  state: string;
  failureRate: number;
  notPermitted: number;
  retryAfterMs: number;
}

export interface LimitUsage {
  name: string;
  description: string;
  windowMs: number;
  admitted: number;
  limited: number;
  usage: number | null;
  queued: number;
}

export interface OrderView {
  intentId: string;
  symbol: string;
  side: string;
  amount: number;
  price: number | null;
  state: string;
  error: string | null;
  at: number;
}

export interface Overview {
  at: number;
  service: string;
  health: { status: string; score: number; reasons: Array<{ check: string; status: string; lost: number; message: string }> } | null;
  gate: { mode: string; reason: string; since: number; killed: boolean; conditions: Array<{ name: string; mode: string; reason: string }> } | null;
  alerts: Array<{ rule: string; state: string; severity: string; value: number | null; description: string }>;
  dependencies: Tile[];
  breakers: BreakerView[];
  limits: LimitUsage[];
  orders: { counts: Record<string, number>; recent: OrderView[] } | null;
  deadLetters: { pending: number; replayed: number } | null;
}

export interface TimelineEntry {
  id: number;
  at: number;
  kind: string;
  subject: string;
  message: string;
  severity: string;
}

export interface AlertRuleView {
  name: string;
  metric: string;
  condition: string;
  threshold: number;
  severity: string;
  description: string;
  state: string;
  value: number | null;
}

export interface DeadLetter {
  id: string;
  operation: string;
  error: string;
  status: string;
  lastFailedAt: number;
}
