/**
 * API tokens: `bwk_<prefix>_<secret>`. The prefix (random, 12 hex characters) is the token's id and
 * finds its row; the secret (32 random bytes, base64url) is kept only as a scrypt hash with a salt
 * of its own, and the scrypt parameters are stored per row so they can be raised for new tokens
 * without locking out old ones. A token is printed once, at creation.
 *
 * scrypt costs tens of milliseconds by design; a dashboard or a script calling every second must
 * not pay it per request. A positive verification is remembered for `cacheMs`, keyed by an HMAC of
 * the token (never the token itself); the row is still read on every request, so a revocation
 * made by another process counts at once, and `revoke` here forgets the token's cache entries.
 */
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { type Clock, systemClock } from '../core/clock.js';
import { checkInteger } from '../core/option-checks.js';
import type { Storage } from '../storage/types.js';
import type { RoleSet } from './roles.js';

export const TOKEN_PREFIX = 'bwk';

export const TOKEN_DEFAULTS = {
  scryptN: 2 ** 15, // OWASP's minimum for scrypt (N=2^17 with r=8 costs 128 MiB per check; 2^15 is 32 MiB, about 50 ms)
  scryptR: 8, // the standard block size
  scryptP: 1, // one lane: the cost is memory, not cores the server needs for requests
  keyLength: 32, // a 256-bit hash
  saltBytes: 16, // a 128-bit salt per token: equal secrets never share a hash
  idBytes: 6, // 48 random bits: a lookup key, not the secret; collisions are refused at insert
  secretBytes: 32, // 256 bits of secret: no guessing, whatever the hash costs
  cacheMs: 60_000, // a busy dashboard or scraper pays scrypt once a minute, not per request
  cacheMax: 1_000, // positive verifications remembered at most (oldest dropped first)
  lastUsedWriteMs: 60_000, // `last used` is written at most once a minute per token
} as const;

export interface TokenRecord {
  /** The lookup prefix: what `token list` shows and `token revoke` takes. */
  id: string;
  name: string;
  role: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface CreatedToken {
  /** The whole token, `bwk_<id>_<secret>`: shown once, never stored. */
  token: string;
  record: TokenRecord;
}

export interface TokenStoreOptions {
  clock?: Clock;
  /** Key of the HMAC that names cache entries (`loadServerKey().derive('token-pepper')`); random per process when omitted. */
  cacheKey?: Buffer;
  /** Roles a token may be given; the built-in ones when omitted. */
  roles?: RoleSet;
  /** scrypt cost (tests lower it; a stored token keeps the parameters it was made with). */
  scryptN?: number;
  cacheMs?: number;
}

export interface TokenStore {
  create(input: { name: string; role: string; expiresAt?: number | null }): Promise<CreatedToken>;
  list(): Promise<TokenRecord[]>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** True when it was active and is now revoked. */
  revoke(id: string): Promise<boolean>;
  /** The token's record when it is well formed, known, matches its hash, not revoked and not expired. */
  verify(token: string): Promise<TokenRecord | undefined>;
  /** Whether any token that is neither revoked nor expired exists. */
  anyActive(): Promise<boolean>;
}

interface Params {
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

interface Row extends Record<string, unknown> {
  id: string;
  name: string;
  role: string;
  hash: string;
  salt: string;
  params: string;
  created_at: number | string;
  expires_at: number | string | null;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

const TOKEN_SHAPE = /^bwk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME = /^[\w.@:+ -]{1,100}$/;

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function recordOf(row: Row): TokenRecord {
  return { id: row.id, name: row.name, role: row.role, createdAt: Number(row.created_at), expiresAt: num(row.expires_at), lastUsedAt: num(row.last_used_at), revokedAt: num(row.revoked_at) };
}

function scrypt(secret: string, salt: Buffer, params: Params): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(secret, salt, params.keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Whether a record can be used at `now`. */
export function isActive(record: TokenRecord, now: number): boolean {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now);
}

export function tokenStore(storage: Storage, options: TokenStoreOptions = {}): TokenStore {
  const clock = options.clock ?? systemClock;
  const cacheKey = options.cacheKey ?? randomBytes(32);
  const cacheMs = options.cacheMs ?? TOKEN_DEFAULTS.cacheMs;
  const N = options.scryptN ?? TOKEN_DEFAULTS.scryptN;
  checkInteger('tokenStore', 'scryptN', N, 2);
  if ((N & (N - 1)) !== 0) throw new RangeError(`tokenStore: scryptN must be a power of two, got ${N}`);
  checkInteger('tokenStore', 'cacheMs', cacheMs, 0);
  const params: Params = { N, r: TOKEN_DEFAULTS.scryptR, p: TOKEN_DEFAULTS.scryptP, keyLength: TOKEN_DEFAULTS.keyLength };
  // A wrong prefix costs what a wrong secret costs: timing does not tell which prefixes exist.
  const decoy = { salt: randomBytes(TOKEN_DEFAULTS.saltBytes), params };
  /** HMAC(token) -> { id, until }. */
  const cache = new Map<string, { id: string; until: number }>();
  const lastWritten = new Map<string, number>();

  const cacheName = (token: string): string => createHmac('sha256', cacheKey).update(token).digest('base64url');
  const row = (id: string) => storage.one<Row>('SELECT * FROM security_tokens WHERE id = ?', [id]);

  const touch = async (record: TokenRecord, now: number): Promise<void> => {
    if (now - (lastWritten.get(record.id) ?? record.lastUsedAt ?? -Infinity) < TOKEN_DEFAULTS.lastUsedWriteMs) return;
    lastWritten.set(record.id, now);
    await storage.run('UPDATE security_tokens SET last_used_at = ? WHERE id = ?', [now, record.id]);
  };

  return {
    async create({ name, role, expiresAt = null }) {
      if (typeof name !== 'string' || !NAME.test(name)) throw new RangeError('name: 1-100 letters, digits, spaces or . _ @ : + -');
      const roles = options.roles;
      if (roles ? !roles.has(role) : !['viewer', 'operator', 'admin'].includes(role)) {
        throw new RangeError(`role: no role named "${role}" (roles: ${[...(roles?.keys() ?? ['viewer', 'operator', 'admin'])].join(', ')})`);
      }
      const now = clock.now();
      if (expiresAt !== null && !(Number.isFinite(expiresAt) && expiresAt > now)) throw new RangeError('expires: must be in the future');
      const id = randomBytes(TOKEN_DEFAULTS.idBytes).toString('hex');
      const secret = randomBytes(TOKEN_DEFAULTS.secretBytes).toString('base64url');
      const salt = randomBytes(TOKEN_DEFAULTS.saltBytes);
      const hash = await scrypt(secret, salt, params);
      await storage.run(
        'INSERT INTO security_tokens (id, name, role, hash, salt, params, created_at, expires_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)',
        [id, name, role, hash.toString('base64'), salt.toString('base64'), JSON.stringify(params), now, expiresAt],
      );
      return { token: `${TOKEN_PREFIX}_${id}_${secret}`, record: { id, name, role, createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null } };
    },

    async list() {
      return (await storage.all<Row>('SELECT * FROM security_tokens ORDER BY created_at, id')).map(recordOf);
    },

    async get(id) {
      const found = await row(id);
      return found ? recordOf(found) : undefined;
    },

    async revoke(id) {
      for (const [key, entry] of cache) if (entry.id === id) cache.delete(key);
      const result = await storage.run('UPDATE security_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [clock.now(), id]);
      return result.changes > 0;
    },

    async verify(token) {
      if (typeof token !== 'string') return undefined;
      const shape = TOKEN_SHAPE.exec(token);
      if (!shape) return undefined;
      const [, id, secret] = shape as unknown as [string, string, string];
      const now = clock.now();
      const name = cacheName(token);
      const cached = cache.get(name);
      const found = await row(id);
      if (cached && cached.id === id && cached.until > now) {
        if (!found) return undefined;
        const record = recordOf(found);
        if (!isActive(record, now)) return undefined;
        await touch(record, now);
        return record;
      }
      if (cached) cache.delete(name);
      const salt = found ? Buffer.from(found.salt, 'base64') : decoy.salt;
      const stored = found ? (JSON.parse(found.params) as Params) : decoy.params;
      const hash = await scrypt(secret, salt, stored);
      if (!found) return undefined;
      const expected = Buffer.from(found.hash, 'base64');
      if (expected.length !== hash.length || !timingSafeEqual(expected, hash)) return undefined;
      const record = recordOf(found);
      if (!isActive(record, now)) return undefined;
      if (cacheMs > 0) {
        if (cache.size >= TOKEN_DEFAULTS.cacheMax) cache.delete(cache.keys().next().value as string);
        cache.set(name, { id, until: now + cacheMs });
      }
      await touch(record, now);
      return record;
    },

    async anyActive() {
      const found = await storage.one('SELECT id FROM security_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) LIMIT 1', [clock.now()]);
      return found !== undefined;
    },
  };
}
