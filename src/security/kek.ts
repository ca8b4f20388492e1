/**
 * Key-encryption keys (KEKs): the 32-byte AES keys that wrap each stored secret's own data key.
 * The current KEK comes from `BULWARK_SECRETS_KEY` (base64 or hex), else a key file
 * (`security.secrets.keyFile`, default `<dataDir>/secrets.key`); previous KEKs, still read during a
 * rotation, from `BULWARK_SECRETS_PREVIOUS_KEYS` (comma-separated) and `security.secrets.previousKeyFiles`.
 * A KEK is known by its id, a fingerprint: the id is stored and printed, the key never.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { registerSecret } from '../core/secrets.js';
import { readKeyText } from './key-file.js';

/** AES-256: 32-byte keys. */
export const KEK_BYTES = 32;

export const KEK_DEFAULTS = {
  fileName: 'secrets.key', // in the data directory unless the config names another file; never inside a backup of the tables
  create: false, // only `bulwark secrets set` makes a key: a service that finds none must not invent one its secrets were not sealed with
};

export interface Kek {
  /** The fingerprint stored with each wrapped data key (`kek-` and 16 hex characters). */
  readonly id: string;
  readonly key: Buffer;
  /** Where it came from, for messages: `BULWARK_SECRETS_KEY` or a file's base name, never its content or folder. */
  readonly source: string;
}

/** The fingerprint of a key: a truncated SHA-256 under a label of its own, so it reveals nothing usable about the key. */
export function kekId(key: Buffer): string {
  return `kek-${createHash('sha256').update('bulwark:kek-id\0').update(key).digest('hex').slice(0, 16)}`;
}

const HEX_KEY = /^[0-9a-f]{64}$/i;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** A key from its text (64 hex characters, or 32 bytes in base64 / base64url); errors name `source`, never the text. */
export function parseKek(text: string, source: string): Kek {
  const value = text.trim();
  let key: Buffer | undefined;
  if (HEX_KEY.test(value)) key = Buffer.from(value, 'hex');
  else if (BASE64_KEY.test(value)) key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key?.length !== KEK_BYTES) throw new TypeError(`${source}: a key-encryption key must be 32 bytes, written as 64 hex characters or 44 base64 characters`);
  registerSecret(value);
  return { id: kekId(key), key, source };
}

/** Reads a key file; the message names the file by its base name only. */
export function readKekFile(file: string): Kek {
  const { text, source } = readKeyText(file, 'key-encryption key');
  return parseKek(text, source);
}

/** Writes a new random key (base64, mode 0600) to `file`, which must not exist; returns it. */
export function createKekFile(file: string, random: (size: number) => Buffer = randomBytes): Kek {
  const key = random(KEK_BYTES);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return parseKek(key.toString('base64'), basename(file));
}

/** The KEKs a process knows: the current one (seals new secrets) and previous ones (still read). */
export interface Keyring {
  /** Seals new secrets and new wraps; undefined when no key is configured (then nothing can be read or written). */
  readonly current: Kek | undefined;
  /** Every known KEK, the current one first. */
  readonly keys: readonly Kek[];
  get(id: string): Kek | undefined;
}

/** A keyring of the current key and previous ones; the same key given twice is kept once. */
export function keyring(current: Kek | undefined, previous: readonly Kek[] = []): Keyring {
  const byId = new Map<string, Kek>();
  for (const kek of current ? [current, ...previous] : previous) if (!byId.has(kek.id)) byId.set(kek.id, kek);
  return { current, keys: [...byId.values()], get: (id) => byId.get(id) };
}

export interface LoadKeyringOptions {
  /** Environment to read BULWARK_SECRETS_KEY and BULWARK_SECRETS_PREVIOUS_KEYS from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `security.secrets.keyFile`; default `<dataDir>/secrets.key`. */
  keyFile?: string;
  /** `security.secrets.previousKeyFiles`. */
  previousKeyFiles?: readonly string[];
  /** The data directory, for the default key file. */
  dataDir?: string;
  /** Create the key file when no key is found (default false; `bulwark secrets set` passes true). */
  create?: boolean;
}

/** Where the current key file is: the configured one, else `<dataDir>/secrets.key`. */
export function kekFileOf(options: Pick<LoadKeyringOptions, 'keyFile' | 'dataDir'>): string | undefined {
  return options.keyFile ?? (options.dataDir !== undefined ? join(options.dataDir, KEK_DEFAULTS.fileName) : undefined);
}

/** The keyring from the environment and the key files. */
export function loadKeyring(options: LoadKeyringOptions = {}): Keyring {
  const env = options.env ?? process.env;
  let current: Kek | undefined;
  const fromEnv = env.BULWARK_SECRETS_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    current = parseKek(fromEnv, 'BULWARK_SECRETS_KEY');
  } else {
    const file = kekFileOf(options);
    if (file !== undefined) {
      if (existsSync(file)) current = readKekFile(file);
      else if (options.create ?? KEK_DEFAULTS.create) current = createKekFile(file);
    }
  }
  const previous: Kek[] = [];
  const fromEnvPrevious = env.BULWARK_SECRETS_PREVIOUS_KEYS;
  if (fromEnvPrevious !== undefined && fromEnvPrevious !== '') {
    fromEnvPrevious.split(',').forEach((text, i) => previous.push(parseKek(text, `BULWARK_SECRETS_PREVIOUS_KEYS[${i}]`)));
  }
  for (const file of options.previousKeyFiles ?? []) previous.push(readKekFile(file));
  return keyring(current, previous);
}
