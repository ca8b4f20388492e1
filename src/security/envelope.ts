/**
 * Envelope encryption of one secret, AES-256-GCM throughout (node:crypto):
 *
 *   value ──AES-256-GCM(DEK, nonce, AAD = name + version)──▶ ciphertext + tag
 *   DEK   ──AES-256-GCM(KEK, nonce, AAD = name + version + KEK id)──▶ wrap (one per KEK)
 *
 * Each secret has its own random data key (DEK); the DEK is stored only wrapped by a
 * key-encryption key (KEK, kek.ts), with the KEK's id. The associated data binds a ciphertext to
 * its secret's name and version: moved to another name or version it fails to open. A rotation
 * adds a wrap under the new KEK beside the old one, then drops the old one, so a reader that knows
 * either key reads the secret while the rotation runs (secret-store.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ResilienceError } from '../core/errors.js';
import type { Kek, Keyring } from './kek.js';

const ALGORITHM = 'aes-256-gcm';
/** 96-bit nonces: GCM's native size (a random one per encryption; each key encrypts once or a few times). */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const DEK_BYTES = 32;

/** The DEK under one KEK (base64 fields). */
export interface WrappedKey {
  kekId: string;
  nonce: string;
  key: string;
  tag: string;
}

/** A sealed secret as stored: everything base64, nothing readable without a KEK. */
export interface SealedSecret {
  name: string;
  version: number;
  nonce: string;
  ciphertext: string;
  tag: string;
  /** The DEK wrapped under each KEK that can open it: one, two while a rotation runs. */
  wraps: WrappedKey[];
}

export type SecretErrorCode = 'SECRET_NOT_FOUND' | 'SECRET_KEY_UNKNOWN' | 'SECRET_UNREADABLE';

/** A secret that cannot be found, unwrapped or opened. Messages name the secret and the KEK ids, never a key or a value. */
export class SecretError extends ResilienceError {
  declare readonly code: SecretErrorCode;
  constructor(code: SecretErrorCode, message: string) {
    super(code, message);
  }
}

/** Secret names: what `secret:NAME` references and the command line take. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkSecretName(name: string, where = 'secret name'): void {
  if (!SECRET_NAME.test(name)) throw new TypeError(`${where}: 1-128 letters, digits or . _ - (starting with a letter or digit), got ${JSON.stringify(name.slice(0, 140))}`);
}

export interface EnvelopeOptions {
  /** Random bytes for DEKs and nonces (default crypto.randomBytes); injected in tests. */
  random?: (size: number) => Buffer;
}

const valueAad = (name: string, version: number): Buffer => Buffer.from(`bulwark:secret:v1\0${name}\0${version}`);
const wrapAad = (name: string, version: number, kekId: string): Buffer => Buffer.from(`bulwark:dek:v1\0${name}\0${version}\0${kekId}`);

function encrypt(key: Buffer, plain: Buffer, aad: Buffer, random: (size: number) => Buffer): { nonce: string; data: string; tag: string } {
  const nonce = random(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { nonce: nonce.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** Decrypts or returns undefined: a wrong key, nonce, tag, AAD or byte of ciphertext all fail GCM's check alike. */
function decrypt(key: Buffer, nonce: string, data: string, tag: string, aad: Buffer): Buffer | undefined {
  try {
    const iv = Buffer.from(nonce, 'base64');
    const authTag = Buffer.from(tag, 'base64');
    if (iv.length !== NONCE_BYTES || authTag.length !== TAG_BYTES) return undefined;
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]);
  } catch {
    return undefined;
  }
}

function wrap(name: string, version: number, dek: Buffer, kek: Kek, random: (size: number) => Buffer): WrappedKey {
  const { nonce, data, tag } = encrypt(kek.key, dek, wrapAad(name, version, kek.id), random);
  return { kekId: kek.id, nonce, key: data, tag };
}

function requireCurrent(ring: Keyring, name: string): Kek {
  if (!ring.current) throw new SecretError('SECRET_KEY_UNKNOWN', `secret "${name}": no key-encryption key is configured (set BULWARK_SECRETS_KEY or security.secrets.keyFile)`);
  return ring.current;
}

/** Seals `value` as version `version` of secret `name` under the keyring's current KEK. */
export function sealSecret(name: string, version: number, value: string, ring: Keyring, options: EnvelopeOptions = {}): SealedSecret {
  checkSecretName(name);
  const random = options.random ?? randomBytes;
  const kek = requireCurrent(ring, name);
  const dek = random(DEK_BYTES);
  try {
    const { nonce, data, tag } = encrypt(dek, Buffer.from(value, 'utf8'), valueAad(name, version), random);
    return { name, version, nonce, ciphertext: data, tag, wraps: [wrap(name, version, dek, kek, random)] };
  } finally {
    dek.fill(0);
  }
}

/** The DEK, unwrapped by the first known KEK that has a wrap. */
function unwrap(sealed: SealedSecret, ring: Keyring): Buffer {
  const usable = sealed.wraps.filter((w) => ring.get(w.kekId) !== undefined);
  const ids = sealed.wraps.map((w) => w.kekId).join(', ') || 'none';
  if (usable.length === 0) {
    const known = ring.keys.map((k) => k.id).join(', ') || 'none';
    throw new SecretError('SECRET_KEY_UNKNOWN', `secret "${sealed.name}": sealed under key-encryption key ${ids}, which is not configured (known: ${known})`);
  }
  for (const w of usable) {
    const dek = decrypt(ring.get(w.kekId)!.key, w.nonce, w.key, w.tag, wrapAad(sealed.name, sealed.version, w.kekId));
    if (dek?.length === DEK_BYTES) return dek;
  }
  throw new SecretError('SECRET_UNREADABLE', `secret "${sealed.name}": its data key does not open under key-encryption key ${usable.map((w) => w.kekId).join(', ')} (the record was altered, or moved from another name or version)`);
}

/** The value of a sealed secret; refuses a record altered in any byte, moved to another name or version, or sealed under no known KEK. */
export function openSecret(sealed: SealedSecret, ring: Keyring): string {
  const dek = unwrap(sealed, ring);
  try {
    const plain = decrypt(dek, sealed.nonce, sealed.ciphertext, sealed.tag, valueAad(sealed.name, sealed.version));
    if (plain === undefined) throw new SecretError('SECRET_UNREADABLE', `secret "${sealed.name}": its value fails authentication (the record was altered, or moved from another name or version)`);
    return plain.toString('utf8');
  } finally {
    dek.fill(0);
  }
}

/** The record with its DEK also wrapped under the current KEK (unchanged when it already is). */
export function addCurrentWrap(sealed: SealedSecret, ring: Keyring, options: EnvelopeOptions = {}): SealedSecret {
  const kek = requireCurrent(ring, sealed.name);
  if (sealed.wraps.some((w) => w.kekId === kek.id)) return sealed;
  const dek = unwrap(sealed, ring);
  try {
    return { ...sealed, wraps: [wrap(sealed.name, sealed.version, dek, kek, options.random ?? randomBytes), ...sealed.wraps] };
  } finally {
    dek.fill(0);
  }
}

/** The record keeping only its wrap under the current KEK, after checking that wrap opens (so nothing is dropped that leaves it unreadable). */
export function keepCurrentWrapOnly(sealed: SealedSecret, ring: Keyring): SealedSecret {
  const kek = requireCurrent(ring, sealed.name);
  const own = sealed.wraps.filter((w) => w.kekId === kek.id);
  if (own.length === 0) throw new SecretError('SECRET_KEY_UNKNOWN', `secret "${sealed.name}": has no wrap under key-encryption key ${kek.id} yet`);
  unwrap({ ...sealed, wraps: own }, ring).fill(0);
  return { ...sealed, wraps: own };
}
