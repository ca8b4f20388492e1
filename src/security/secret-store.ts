/**
 * Stored secrets: exchange credentials and webhook secrets sealed by envelope.ts, one row per
 * secret in the configured storage (SQLite or PostgreSQL). `list` shows names, versions, KEK ids
 * and times, never a value; `get` decrypts. `rotate` re-wraps every data key under the keyring's
 * current KEK one row per transaction, in two passes: first each row gains a wrap under the new
 * KEK (a reader knowing only the old one still reads it), then each row drops its other wraps. It
 * is idempotent: interrupted and run again, it skips what is done.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../core/clock.js';
import type { Migration, Queryable, Storage } from '../storage/types.js';
import { type EnvelopeOptions, type SealedSecret, SecretError, addCurrentWrap, checkSecretName, keepCurrentWrapOnly, openSecret, sealSecret } from './envelope.js';
import type { Keyring } from './kek.js';

/** The table of sealed secrets. Every column is base64 or JSON text: nothing in it reads without a KEK. */
export const secretsMigration: Migration = {
  id: 'security-005-secrets',
  up: `CREATE TABLE IF NOT EXISTS secrets (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  nonce TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  tag TEXT NOT NULL,
  wraps TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)`,
};

/** What `list` shows of a secret: never its value. */
export interface SecretSummary {
  name: string;
  /** 1 for the first value; each `set` of the name adds one. */
  version: number;
  /** The KEKs its data key is wrapped under: one, two while a rotation runs. */
  kekIds: string[];
  createdAt: number;
  /** When its value was last set. */
  updatedAt: number;
}

export interface RotationProgress {
  phase: 'wrap' | 'drop';
  done: number;
  total: number;
}

export interface RotationReport {
  /** The KEK every secret is now wrapped under. */
  kekId: string;
  total: number;
  /** Rows given a wrap under the new KEK by this run (the others already had one). */
  wrapped: number;
  /** Rows whose wraps under other KEKs this run dropped. */
  dropped: number;
}

export interface SecretStore {
  /** Seals and stores `value` as the next version of `name`. */
  set(name: string, value: string): Promise<SecretSummary>;
  /** The decrypted value; SecretError SECRET_NOT_FOUND when there is none. */
  get(name: string): Promise<string>;
  /** Every secret by name, without values. */
  list(): Promise<SecretSummary[]>;
  /** Removes a secret; true when there was one. */
  remove(name: string): Promise<boolean>;
  /** Re-wraps every data key under the keyring's current KEK (see the file comment). */
  rotate(options?: { onProgress?: (progress: RotationProgress) => void | Promise<void> }): Promise<RotationReport>;
}

export interface SecretStoreOptions extends EnvelopeOptions {
  keyring: Keyring;
  clock?: Clock;
}

export const SECRET_STORE_DEFAULTS = {
  casAttempts: 3, // a row changed by a concurrent `set` between read and write is read again; three tries is plenty for an operator's command
};

const wrapsSchema = z.array(z.strictObject({ kekId: z.string(), nonce: z.string(), key: z.string(), tag: z.string() }));

interface SecretRow extends Record<string, unknown> {
  name: string;
  version: number | string;
  nonce: string;
  ciphertext: string;
  tag: string;
  wraps: string;
  created_at: number | string;
  updated_at: number | string;
}

function sealedOf(row: SecretRow): SealedSecret {
  let wraps: SealedSecret['wraps'];
  try {
    wraps = wrapsSchema.parse(JSON.parse(row.wraps));
  } catch {
    throw new SecretError('SECRET_UNREADABLE', `secret "${row.name}": its stored key wraps are not readable`);
  }
  return { name: row.name, version: Number(row.version), nonce: row.nonce, ciphertext: row.ciphertext, tag: row.tag, wraps };
}

function summaryOf(row: SecretRow): SecretSummary {
  return { name: row.name, version: Number(row.version), kekIds: sealedOf(row).wraps.map((w) => w.kekId), createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) };
}

const SELECT = 'SELECT name, version, nonce, ciphertext, tag, wraps, created_at, updated_at FROM secrets';

async function readRow(db: Queryable, name: string): Promise<SecretRow | undefined> {
  return db.one<SecretRow>(`${SELECT} WHERE name = ?`, [name]);
}

/**
 * The decrypted value of `name` read on `db` (a storage, a transaction or a read-only handle such
 * as `bulwark config check` uses); SecretError SECRET_NOT_FOUND when there is none.
 */
export async function readSecret(db: Queryable, name: string, ring: Keyring): Promise<string> {
  checkSecretName(name);
  const row = await readRow(db, name);
  if (!row) throw new SecretError('SECRET_NOT_FOUND', `secret "${name}" is not stored (bulwark secrets set ${name})`);
  return openSecret(sealedOf(row), ring);
}

export function secretStore(storage: Storage, options: SecretStoreOptions): SecretStore {
  const { keyring: ring } = options;
  const clock = options.clock ?? systemClock;
  const envelope: EnvelopeOptions = options.random ? { random: options.random } : {};

  /** Rewrites one row's wraps in its own transaction, compare-and-set on what was read; false when there was nothing to do. */
  async function rewrite(name: string, change: (sealed: SealedSecret) => SealedSecret | undefined): Promise<boolean> {
    for (let attempt = 1; attempt <= SECRET_STORE_DEFAULTS.casAttempts; attempt++) {
      const outcome = await storage.transaction(async (tx) => {
        const row = await readRow(tx, name);
        if (!row) return 'gone' as const;
        const next = change(sealedOf(row));
        if (!next) return 'unchanged' as const;
        const result = await tx.run('UPDATE secrets SET wraps = ? WHERE name = ? AND version = ? AND wraps = ?', [JSON.stringify(next.wraps), name, next.version, row.wraps]);
        return result.changes === 1 ? ('written' as const) : ('raced' as const);
      });
      if (outcome !== 'raced') return outcome === 'written';
    }
    throw new Error(`secret "${name}": changed while being rotated ${SECRET_STORE_DEFAULTS.casAttempts} times in a row; run the rotation again`);
  }

  return {
    async set(name, value) {
      checkSecretName(name);
      if (typeof value !== 'string' || value === '') throw new TypeError(`secret "${name}": no value given (empty or not text; the value itself is never echoed)`);
      return storage.transaction(async (tx) => {
        const now = clock.now();
        const before = await readRow(tx, name);
        const version = before ? Number(before.version) + 1 : 1;
        const sealed = sealSecret(name, version, value, ring, envelope);
        await tx.run(
          `INSERT INTO secrets (name, version, nonce, ciphertext, tag, wraps, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET version = excluded.version, nonce = excluded.nonce, ciphertext = excluded.ciphertext, tag = excluded.tag, wraps = excluded.wraps, updated_at = excluded.updated_at`,
          [name, version, sealed.nonce, sealed.ciphertext, sealed.tag, JSON.stringify(sealed.wraps), now, now],
        );
        return { name, version, kekIds: sealed.wraps.map((w) => w.kekId), createdAt: before ? Number(before.created_at) : now, updatedAt: now };
      });
    },

    async get(name) {
      return readSecret(storage, name, ring);
    },

    async list() {
      return (await storage.all<SecretRow>(`${SELECT} ORDER BY name`)).map(summaryOf);
    },

    async remove(name) {
      checkSecretName(name);
      return (await storage.run('DELETE FROM secrets WHERE name = ?', [name])).changes > 0;
    },

    async rotate(rotateOptions = {}) {
      const kek = ring.current;
      if (!kek) throw new SecretError('SECRET_KEY_UNKNOWN', 'rotate: no new key-encryption key');
      const names = (await storage.all<{ name: string }>('SELECT name FROM secrets ORDER BY name')).map((r) => r.name);
      const report: RotationReport = { kekId: kek.id, total: names.length, wrapped: 0, dropped: 0 };
      // Pass 1: every row gains a wrap under the new KEK; readers with the old KEK still read every row.
      for (const [i, name] of names.entries()) {
        if (await rewrite(name, (s) => (s.wraps.some((w) => w.kekId === kek.id) ? undefined : addCurrentWrap(s, ring, envelope)))) report.wrapped++;
        await rotateOptions.onProgress?.({ phase: 'wrap', done: i + 1, total: names.length });
      }
      // Pass 2: every row keeps only its wrap under the new KEK (checked to open first).
      for (const [i, name] of names.entries()) {
        if (await rewrite(name, (s) => (s.wraps.every((w) => w.kekId === kek.id) ? undefined : keepCurrentWrapOnly(s, ring)))) report.dropped++;
        await rotateOptions.onProgress?.({ phase: 'drop', done: i + 1, total: names.length });
      }
      return report;
    },
  };
}
