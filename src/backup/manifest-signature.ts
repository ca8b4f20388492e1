/**
 * The manifest's authentication: an HMAC-SHA256 over the manifest (all of it but the signature
 * itself, keys sorted so the bytes do not depend on how it was written), with the service's
 * `backup-manifest` key (security/server-key.ts). An attacker who can edit a backup folder but not
 * read the key cannot change what a backup says it holds, or where it came from, unnoticed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BackupManifest } from './manifest.js';

const PREFIX = 'hmac-sha256:';

/** JSON with object keys sorted at every level: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The signature of a manifest (its own `signature` field left out). */
export function signManifest(manifest: BackupManifest, key: Buffer): string {
  const { signature: _ignored, ...rest } = manifest;
  return `${PREFIX}${createHmac('sha256', key).update(canonicalJson(rest)).digest('hex')}`;
}

export type SignatureCheck = 'valid' | 'unsigned' | 'mismatch';

/** A backup-manifest key and the id of the service key it was derived from. */
export interface ManifestKey {
  id: string;
  key: Buffer;
}

export interface KeyedSignatureCheck {
  check: SignatureCheck;
  /** `valid`: the key that signed it (the current one or a previous one). `mismatch`: the key the manifest names, if any. */
  keyId?: string;
}

/**
 * Checks a manifest against the current key and the previous ones (after a key rotation, older
 * backups were signed by a previous key). The key the manifest names is tried first.
 */
export function checkManifestSignatureWith(manifest: BackupManifest, keys: readonly ManifestKey[]): KeyedSignatureCheck {
  if (manifest.signature === undefined) return { check: 'unsigned' };
  const ordered = [...keys].sort((a, b) => Number(b.id === manifest.keyId) - Number(a.id === manifest.keyId));
  for (const k of ordered) if (checkManifestSignature(manifest, k.key) === 'valid') return { check: 'valid', keyId: k.id };
  return { check: 'mismatch', ...(manifest.keyId !== undefined ? { keyId: manifest.keyId } : {}) };
}

export function checkManifestSignature(manifest: BackupManifest, key: Buffer): SignatureCheck {
  if (manifest.signature === undefined) return 'unsigned';
  const expected = Buffer.from(signManifest(manifest, key));
  const given = Buffer.from(manifest.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'mismatch';
}
