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

export function checkManifestSignature(manifest: BackupManifest, key: Buffer): SignatureCheck {
  if (manifest.signature === undefined) return 'unsigned';
  const expected = Buffer.from(signManifest(manifest, key));
  const given = Buffer.from(manifest.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'mismatch';
}
