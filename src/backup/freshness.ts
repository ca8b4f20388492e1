/**
 * Health check: "the latest backup is younger than X". The health module wraps it; it stands
 * alone so an application can call it directly.
 */
import { checkNumber, checkShape } from '../core/option-checks.js';

export type FreshnessStatus = 'up' | 'degraded' | 'down';

export interface FreshnessResult {
  status: FreshnessStatus;
  message: string;
  details: {
    /** Id of the newest complete backup, if any. */
    latestId?: string;
    /** Age of the newest complete backup in ms. */
    ageMs?: number;
    maxAgeMs: number;
    downAfterMs: number;
  };
}

export interface FreshnessOptions {
  /** Up while the newest complete backup is at most this old. Required: only the operator knows the schedule. */
  maxAgeMs: number;
  /** Down once it is older than this; between the two the check is degraded. */
  downAfterMs?: number;
}

export const FRESHNESS_DEFAULTS = {
  // Twice the allowed age: one missed backup is a warning, two in a row an outage.
  downAfterFactor: 2,
};

/** Where the check reads the newest complete backup from (a `backups()` instance fits). */
export interface LatestBackupSource {
  latest(): Promise<{ id: string; ageMs: number } | undefined>;
}

function checkOptions(options: FreshnessOptions): Required<FreshnessOptions> {
  const { maxAgeMs } = options;
  checkNumber('backupFreshnessCheck', 'maxAgeMs', maxAgeMs, 0, Infinity, true);
  const downAfterMs = options.downAfterMs ?? maxAgeMs * FRESHNESS_DEFAULTS.downAfterFactor;
  checkNumber('backupFreshnessCheck', 'downAfterMs', downAfterMs, 0, Infinity, true);
  // A backup is stale before it is down.
  if (downAfterMs < maxAgeMs) throw new RangeError(`backupFreshnessCheck: downAfterMs must be >= maxAgeMs (${maxAgeMs}), got ${downAfterMs}`);
  return { maxAgeMs, downAfterMs };
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

export interface FreshnessCheckOptions extends FreshnessOptions {
  /** Where to read the newest complete backup: a `backups()` instance. */
  backups: LatestBackupSource;
}

/** Returns a check: call it to learn whether the newest complete backup is fresh enough. */
export function backupFreshnessCheck(options: FreshnessCheckOptions): () => Promise<FreshnessResult> {
  const source = options?.backups;
  checkShape('backupFreshnessCheck', 'backups', source, 'a backups() instance', ['latest']);
  const { maxAgeMs, downAfterMs } = checkOptions(options);
  return async () => {
    const latest = await source.latest();
    if (latest === undefined) {
      return { status: 'down', message: 'no complete backup exists', details: { maxAgeMs, downAfterMs } };
    }
    const { id, ageMs } = latest;
    const details = { latestId: id, ageMs, maxAgeMs, downAfterMs };
    if (ageMs <= maxAgeMs) return { status: 'up', message: `latest backup ${id} is ${minutes(ageMs)} old`, details };
    const status: FreshnessStatus = ageMs <= downAfterMs ? 'degraded' : 'down';
    return { status, message: `latest backup ${id} is ${minutes(ageMs)} old, older than the allowed ${minutes(maxAgeMs)}`, details };
  };
}
