/**
 * The service's secret key: 32 random bytes from which purpose keys are derived (HKDF-SHA256) for
 * the audit chain's HMAC, backup manifests' HMAC and session cookies. Read from `BULWARK_SECURITY_KEY`
 * (64 hex characters), else a key file (`security.keyFile`, default `<dataDir>/security.key`),
 * created with mode 0600 on first use. Several instances of one deployment must share it.
 *
 * The key can be rotated (`bulwark audit rekey`): the key file then holds the current key on its
 * first line and previous keys on the lines after it (`#` lines are comments). Previous keys, still
 * read to check backups signed before a rotation, also come from `BULWARK_SECURITY_PREVIOUS_KEYS`
 * (comma-separated) and `security.previousKeyFiles`. A key is known by its id, a fingerprint: the
 * id is stored and printed, the key never.
 */
import { createHash, randomBytes, hkdfSync } from 'node:crypto';
import { chmodSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { registerSecret } from '../core/secrets.js';
import { readKeyText } from './key-file.js';

/** The purposes a key is derived for; one key per purpose, so one leaked derived key opens nothing else. */
export type KeyPurpose = 'audit-chain' | 'audit-checkpoint' | 'backup-manifest' | 'session' | 'token-pepper';

export interface ServerKeyOptions {
  /** Where the key file lives when `file` is not given. */
  dataDir?: string;
  /** The key file (64 hex characters); created when missing. */
  file?: string;
  /** Environment to read `BULWARK_SECURITY_KEY` from. */
  env?: NodeJS.ProcessEnv;
  /** Create the file when it is missing (default true); false for commands that must not invent a key (audit verify). */
  create?: boolean;
  /** `security.previousKeyFiles`: files each holding one previous key (64 hex characters). */
  previousKeyFiles?: readonly string[];
}

export const SERVER_KEY_DEFAULTS = {
  fileName: 'security.key', // next to the database in the data directory, outside any backup of the tables
  create: true, // the first start makes the key, as an SSH host key is made on first boot
};

const HEX_KEY = /^[0-9a-f]{64}$/i;

/** One version of the service key: its purpose keys and its id. */
export interface ServerKeyVersion {
  /** The fingerprint printed and stored for this key (`key-` and 16 hex characters). */
  readonly id: string;
  /** A 32-byte key for one purpose. */
  derive(purpose: KeyPurpose): Buffer;
  /** Where the key came from, for messages (`environment` or the file's name, never its content). */
  readonly source: string;
}

/** The current key (signs and chains everything new) and the previous ones (still read). */
export interface ServerKey extends ServerKeyVersion {
  /** Keys of earlier rotations, newest first; never the current one. */
  readonly previous: readonly ServerKeyVersion[];
}

/** The fingerprint of a key: a truncated SHA-256 under a label of its own, so it reveals nothing usable about the key. */
export function serverKeyId(master: Buffer): string {
  return `key-${createHash('sha256').update('bulwark:security-key-id\0').update(master).digest('hex').slice(0, 16)}`;
}

function parse(text: string, where: string): Buffer {
  const value = text.trim();
  if (!HEX_KEY.test(value)) throw new Error(`${where}: the security key must be 64 hex characters (32 bytes)`);
  registerSecret(value);
  return Buffer.from(value, 'hex');
}

/** The keys of a key file: the current one on the first line, previous ones after it; `#` lines and blank lines are skipped. */
function parseFile(text: string, where: string): Buffer[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new Error(`${where}: the security key must be 64 hex characters (32 bytes)`);
  return lines.map((line, i) => parse(line, i === 0 ? where : `${where} line ${i + 1}`));
}

/** One key version from 32 bytes. */
export function serverKeyVersion(master: Buffer, source: string): ServerKeyVersion {
  const cache = new Map<KeyPurpose, Buffer>();
  return {
    id: serverKeyId(master),
    source,
    derive(purpose) {
      let key = cache.get(purpose);
      if (!key) {
        key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `bulwark:${purpose}`, 32));
        cache.set(purpose, key);
      }
      return key;
    },
  };
}

/** A key version from its text (64 hex characters); errors name `source`, never the text. */
export function parseServerKey(text: string, source: string): ServerKeyVersion {
  return serverKeyVersion(parse(text, source), source);
}

/** Reads the first key of a file; the message names the file by its base name only. */
export function readServerKeyFile(file: string): ServerKeyVersion {
  const { text, source } = readKeyText(file, 'security key');
  return serverKeyVersion(parseFile(text, source)[0]!, source);
}

/** Every key of a key file, current first (for a rotation that keeps them as previous keys). */
export function readKeyFileKeys(file: string): Buffer[] {
  const { text, source } = readKeyText(file, 'security key');
  return parseFile(text, source);
}

/** The text of a key file: the current key first, then the previous ones, each on its own line. */
export function keyFileText(current: Buffer, previous: readonly Buffer[]): string {
  const lines = ['# Bulwark security key: the first key is current; the keys after it are previous ones, still read to check older backups.', current.toString('hex')];
  for (const key of previous) lines.push(key.toString('hex'));
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `file` atomically: a temporary file (mode 0600, synced) renamed over it. */
export function writeKeyFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** Where the key file is: the configured one, else `<dataDir>/security.key`. */
export function serverKeyFileOf(options: Pick<ServerKeyOptions, 'file' | 'dataDir'>): string | undefined {
  return options.file ?? (options.dataDir !== undefined ? join(options.dataDir, SERVER_KEY_DEFAULTS.fileName) : undefined);
}

/** The raw keys: from the environment or the key file (current first), creating the file when allowed. */
function loadMasters(options: ServerKeyOptions, env: NodeJS.ProcessEnv): { masters: Buffer[]; source: string } {
  const fromEnv = env.BULWARK_SECURITY_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return { masters: [parse(fromEnv, 'BULWARK_SECURITY_KEY')], source: 'environment' };
  const file = serverKeyFileOf(options);
  if (file === undefined) throw new TypeError('loadServerKey: give dataDir or file, or set BULWARK_SECURITY_KEY');
  // Messages name the file, never the folder it is in (no server paths in errors).
  const source = basename(file) || 'key file';
  if (existsSync(file)) return { masters: parseFile(readFileSync(file, 'utf8'), source), source };
  if (!(options.create ?? SERVER_KEY_DEFAULTS.create)) throw new Error(`${source}: no security key (set BULWARK_SECURITY_KEY or start the service once to create it)`);
  const master = randomBytes(32);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, `${master.toString('hex')}\n`);
    } finally {
      closeSync(fd);
    }
    chmodSync(file, 0o600);
    return { masters: [master], source };
  } catch (error) {
    // Another process of the deployment made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { masters: parseFile(readFileSync(file, 'utf8'), source), source };
  }
}

/** The backup-manifest keys of a service key, as `backups()` takes them: the current one signs, the previous ones are still accepted. */
export function backupManifestKeys(key: ServerKey): { manifestKey: Buffer; manifestKeyId: string; previousManifestKeys: { id: string; key: Buffer }[] } {
  return { manifestKey: key.derive('backup-manifest'), manifestKeyId: key.id, previousManifestKeys: key.previous.map((k) => ({ id: k.id, key: k.derive('backup-manifest') })) };
}

/** The key from the environment or the key file, creating the file when allowed, with its previous keys. */
export function loadServerKey(options: ServerKeyOptions = {}): ServerKey {
  const env = options.env ?? process.env;
  const { masters, source } = loadMasters(options, env);
  const current = serverKeyVersion(masters[0]!, source);
  const previous: ServerKeyVersion[] = masters.slice(1).map((m) => serverKeyVersion(m, source));
  const fromEnvPrevious = env.BULWARK_SECURITY_PREVIOUS_KEYS;
  if (fromEnvPrevious !== undefined && fromEnvPrevious !== '') {
    fromEnvPrevious.split(',').forEach((text, i) => previous.push(parseServerKey(text, `BULWARK_SECURITY_PREVIOUS_KEYS[${i}]`)));
  }
  for (const file of options.previousKeyFiles ?? []) previous.push(readServerKeyFile(file));
  // The same key given twice is kept once, and the current key is never its own previous key.
  const seen = new Set([current.id]);
  const unique = previous.filter((k) => (seen.has(k.id) ? false : (seen.add(k.id), true)));
  return { ...current, derive: current.derive, previous: unique };
}
