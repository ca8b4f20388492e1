import { ResilienceError } from '../core/errors.js';

/** Stable codes of the storage layer's own errors. */
export type StorageErrorCode = 'VALIDATION' | 'STORAGE_CLOSED' | 'MIGRATION_CHANGED' | 'NOT_FOUND' | 'CONFLICT' | 'NO_PRIMARY';

/** Input failed validation before it was written. `field` is the dotted path of the first bad field. */
export class ValidationError extends ResilienceError {
  declare readonly code: 'VALIDATION';
  /** Dotted path of the offending field, e.g. `amount` or `params.stopPrice`; '' for the whole value. */
  readonly field: string;
  /** Every problem found, each with its own field path. */
  readonly issues: ReadonlyArray<{ field: string; message: string }>;
  constructor(what: string, issues: ReadonlyArray<{ field: string; message: string }>) {
    const first = issues[0] ?? { field: '', message: 'invalid' };
    super('VALIDATION', `${what}: ${first.field === '' ? 'value' : `field "${first.field}"`} ${first.message}`);
    this.field = first.field;
    this.issues = issues;
  }
}

/** A statement was run on a storage (or transaction) that is already closed. */
export class StorageClosedError extends ResilienceError {
  declare readonly code: 'STORAGE_CLOSED';
  constructor(message = 'Storage is closed') {
    super('STORAGE_CLOSED', message);
  }
}

/** A migration recorded as applied has different SQL now: refusing to guess. */
export class MigrationChangedError extends ResilienceError {
  declare readonly code: 'MIGRATION_CHANGED';
  readonly migrationId: string;
  constructor(migrationId: string) {
    super('MIGRATION_CHANGED', `Migration "${migrationId}" was applied with different SQL; add a new migration instead of editing an applied one`);
    this.migrationId = migrationId;
  }
}

/** A record looked up by id does not exist. */
export class NotFoundError extends ResilienceError {
  declare readonly code: 'NOT_FOUND';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A write would break a uniqueness rule (e.g. a second intent with the same client order id). */
export class ConflictError extends ResilienceError {
  declare readonly code: 'CONFLICT';
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

/** None of a PostgreSQL cluster's hosts answered as the primary (each is a standby or out of reach). */
export class NoPrimaryError extends ResilienceError {
  declare readonly code: 'NO_PRIMARY';
  /** What each host said, by name (`host:port`): `standby`, or why it could not be asked. */
  readonly hosts: ReadonlyArray<{ host: string; state: string }>;
  constructor(hosts: ReadonlyArray<{ host: string; state: string }>) {
    super('NO_PRIMARY', `No PostgreSQL primary among ${hosts.length} host(s): ${hosts.map((h) => `${h.host} ${h.state}`).join('; ')}`);
    this.hosts = hosts;
  }
}
