/**
 * Errors raised by backup and restore. Each carries a stable `code`, like every toolkit error.
 */
import { ResilienceError, type ResilienceErrorCode } from '../core/errors.js';

/** The stable codes of backup errors: those of the toolkit's list (core/errors.ts) that start BACKUP_ or RESTORE_. */
export type BackupErrorCode = Extract<ResilienceErrorCode, `BACKUP_${string}` | `RESTORE_${string}`>;

export class BackupError extends ResilienceError {
  declare readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One file of a backup that failed verification, and why. */
export interface VerificationProblem {
  /** The file's path inside the backup folder. */
  path: string;
  /** Where the file came from (a path, or `provider:<name>` for a state snapshot). */
  origin: string;
  /** `manifest-unsigned` / `manifest-signature-mismatch`: the manifest itself (path `manifest.json`) carries no valid HMAC. */
  reason: 'missing' | 'size-mismatch' | 'checksum-mismatch' | 'manifest-unsigned' | 'manifest-signature-mismatch';
  /** `manifest-signature-mismatch`: the service key id the manifest says signed it, when that key is not among the known ones. */
  keyId?: string;
}

/** A backup's files do not match its manifest; nothing was restored. */
export class BackupCorruptError extends BackupError {
  declare readonly code: 'BACKUP_CORRUPT';
  readonly backupId: string;
  readonly problems: readonly VerificationProblem[];
  constructor(backupId: string, problems: readonly VerificationProblem[]) {
    // Paths inside the backup only: an origin is a server path (and, in an edited manifest, anyone's text); it stays on `problems`.
    const named = problems.map((p) => `${p.path} (${p.reason}${p.keyId !== undefined ? `: signed by ${p.keyId}, not a known key; add it as a previous key` : ''})`).join(', ');
    super('BACKUP_CORRUPT', `backup ${backupId} failed verification, nothing was restored: ${named}`);
    this.backupId = backupId;
    this.problems = problems;
  }
}

/** A restore failed part-way; every change it made was rolled back. `cause` is the failure. */
export class RestoreFailedError extends BackupError {
  declare readonly code: 'RESTORE_FAILED';
  readonly backupId: string;
  /** Problems met while rolling back (empty when the previous state was fully put back). */
  readonly rollbackErrors: readonly unknown[];
  /** Rollback copies left in place because putting them back failed (empty otherwise). */
  readonly keptRollbackCopies: readonly string[];
  constructor(backupId: string, cause: unknown, rollbackErrors: readonly unknown[], keptRollbackCopies: readonly string[]) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const rolled =
      rollbackErrors.length === 0
        ? 'the previous state was put back'
        : `rollback met ${rollbackErrors.length} error(s): ${rollbackErrors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}` +
          (keptRollbackCopies.length > 0 ? `; the previous files are kept at ${keptRollbackCopies.join(', ')}` : '');
    super('RESTORE_FAILED', `restore of backup ${backupId} failed (${why}); ${rolled}`, { cause });
    this.backupId = backupId;
    this.rollbackErrors = rollbackErrors;
    this.keptRollbackCopies = keptRollbackCopies;
  }
}
