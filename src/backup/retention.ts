/**
 * Retention: which backups to keep. A complete backup is kept when it is among the newest
 * `keepLast`, or younger than `maxAgeMs` — either rule is enough to keep it. The newest
 * complete backup is always kept, whatever the rules say, so pruning never leaves nothing to
 * restore. Failed backups are always pruned; in-progress ones only once they are older than
 * `staleAfterMs` (a backup that crashed never completes).
 */
import { checkInteger, checkNumber } from '../core/option-checks.js';
import { type BackupManifest, createdMs } from './manifest.js';

export interface RetentionRule {
  /** Keep the newest N complete backups. */
  keepLast?: number;
  /** Keep complete backups younger than this. */
  maxAgeMs?: number;
  /** An in-progress backup older than this is taken as crashed and pruned. */
  staleAfterMs?: number;
}

export const RETENTION_DEFAULTS = {
  // A backup still in progress after a day has crashed: none takes that long here.
  staleAfterMs: 24 * 60 * 60 * 1000,
} satisfies Partial<RetentionRule>;

export interface RetentionDecision {
  keep: BackupManifest[];
  remove: BackupManifest[];
}

/** Validates a rule; at least one of keepLast and maxAgeMs must be given. */
export function checkRetention(rule: RetentionRule): void {
  const { keepLast, maxAgeMs, staleAfterMs } = rule;
  if (keepLast === undefined && maxAgeMs === undefined) {
    throw new RangeError('prune: give keepLast (keep the newest N) or maxAgeMs / maxAgeDays (keep the younger ones), or both');
  }
  if (keepLast !== undefined) checkInteger('prune', 'keepLast', keepLast, 1);
  if (maxAgeMs !== undefined) checkNumber('prune', 'maxAgeMs', maxAgeMs, 0, Infinity, true);
  if (staleAfterMs !== undefined) checkNumber('prune', 'staleAfterMs', staleAfterMs, 0, Infinity, true);
}

/** Splits `manifests` into those to keep and those to remove, at time `nowMs`. Pure. */
export function applyRetention(manifests: readonly BackupManifest[], rule: RetentionRule, nowMs: number): RetentionDecision {
  checkRetention(rule);
  const staleAfterMs = rule.staleAfterMs ?? RETENTION_DEFAULTS.staleAfterMs;
  const newestFirst = [...manifests].sort((a, b) => createdMs(b) - createdMs(a) || b.id.localeCompare(a.id));
  const keep: BackupManifest[] = [];
  const remove: BackupManifest[] = [];
  let completeSeen = 0;
  for (const manifest of newestFirst) {
    const age = nowMs - createdMs(manifest);
    let kept: boolean;
    if (manifest.status === 'failed') kept = false;
    else if (manifest.status === 'in-progress') kept = age <= staleAfterMs;
    else {
      completeSeen += 1;
      kept =
        completeSeen === 1 ||
        (rule.keepLast !== undefined && completeSeen <= rule.keepLast) ||
        (rule.maxAgeMs !== undefined && age < rule.maxAgeMs);
    }
    (kept ? keep : remove).push(manifest);
  }
  return { keep, remove };
}
