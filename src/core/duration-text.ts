/** A duration as an operator reads it: 850 ms, 42 s, 7.5 min, 3.2 h, 2.1 d; `-` for none. Shared by the reports and the dashboard. */
export function formatDuration(ms: number | null, none = '-'): string {
  if (ms === null || !Number.isFinite(ms)) return none;
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${+(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${+(ms / 86_400_000).toFixed(1)} d`;
}
