/**
 * The service's secret key: 32 random bytes from which purpose keys are derived (HKDF-SHA256) for
 * the audit chain's HMAC, backup manifests' HMAC and session cookies. Read from `BULWARK_SECURITY_KEY`
 * (64 hex characters), else a key file (`security.keyFile`, default `<dataDir>/security.key`),
 * created with mode 0600 on first use. Several instances of one deployment must share it.
 */
import { randomBytes, hkdfSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
}

export const SERVER_KEY_DEFAULTS = {
  fileName: 'security.key', // next to the database in the data directory, outside any backup of the tables
  create: true, // the first start makes the key, as an SSH host key is made on first boot
};

const HEX_KEY = /^[0-9a-f]{64}$/i;

export interface ServerKey {
  /** A 32-byte key for one purpose. */
  derive(purpose: KeyPurpose): Buffer;
  /** Where the key came from, for messages (`environment` or the file's name, never its content). */
  readonly source: string;
}

function parse(text: string, where: string): Buffer {
  const value = text.trim();
  if (!HEX_KEY.test(value)) throw new Error(`${where}: the security key must be 64 hex characters (32 bytes)`);
  return Buffer.from(value, 'hex');
}

/** The key from the environment or the key file, creating the file when allowed. */
export function loadServerKey(options: ServerKeyOptions = {}): ServerKey {
  const env = options.env ?? process.env;
  let master: Buffer;
  let source: string;
  const fromEnv = env.BULWARK_SECURITY_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    master = parse(fromEnv, 'BULWARK_SECURITY_KEY');
    source = 'environment';
  } else {
    const file = options.file ?? (options.dataDir !== undefined ? join(options.dataDir, SERVER_KEY_DEFAULTS.fileName) : undefined);
    if (file === undefined) throw new TypeError('loadServerKey: give dataDir or file, or set BULWARK_SECURITY_KEY');
    // Messages name the file, never the folder it is in (no server paths in errors).
    source = file.split(/[\\/]/).pop() ?? 'key file';
    if (existsSync(file)) {
      master = parse(readFileSync(file, 'utf8'), source);
    } else {
      if (!(options.create ?? SERVER_KEY_DEFAULTS.create)) throw new Error(`${source}: no security key (set BULWARK_SECURITY_KEY or start the service once to create it)`);
      master = randomBytes(32);
      mkdirSync(dirname(file), { recursive: true });
      try {
        writeFileSync(file, `${master.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
      } catch (error) {
        // Another process of the deployment made it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        master = parse(readFileSync(file, 'utf8'), source);
      }
    }
  }
  const cache = new Map<KeyPurpose, Buffer>();
  return {
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
