/**
 * The `new-token-address` rule: an API token (or a dashboard session signed in with one) used from
 * an address it was not used from within the last `rememberMs`. The addresses each token was seen
 * from are kept in the service's storage (migration `security-006-token-addresses`), so a restart
 * does not make every address new again; a memory store serves tests and library callers.
 *
 * A token's very first address is not reported unless `reportFirstUse`: a new token is expected to
 * show up somewhere. Each (token, address) pair is written at most once per `touchEveryMs`, so a
 * busy token costs one small write an hour per address, not one per request.
 */
import { LRUCache } from 'lru-cache';
import { checkInteger } from '../core/option-checks.js';
import type { Migration, Storage } from '../storage/types.js';
import type { ThreatFinding } from './threat-rules.js';

export const tokenAddressesMigration: Migration = {
  id: 'security-006-token-addresses',
  up: `CREATE TABLE IF NOT EXISTS security_token_addresses (
  token TEXT NOT NULL,
  address TEXT NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  PRIMARY KEY (token, address)
);
CREATE INDEX IF NOT EXISTS security_token_addresses_last_seen ON security_token_addresses (last_seen)`,
};

/** Where the addresses each token was seen from are kept. */
export interface TokenAddressStore {
  /** When `token` was last seen from `address` (undefined: never, or forgotten). */
  lastSeen(token: string, address: string): Promise<number | undefined>;
  /** Whether `token` was seen from any address since `since`. */
  seenSince(token: string, since: number): Promise<boolean>;
  touch(token: string, address: string, at: number): Promise<void>;
  /** Forgets pairs last seen before `before`. */
  prune(before: number): Promise<void>;
}

export function memoryTokenAddresses(): TokenAddressStore {
  const seen = new Map<string, Map<string, number>>();
  return {
    async lastSeen(token, address) {
      return seen.get(token)?.get(address);
    },
    async seenSince(token, since) {
      return [...(seen.get(token)?.values() ?? [])].some((t) => t >= since);
    },
    async touch(token, address, at) {
      const addresses = seen.get(token) ?? new Map<string, number>();
      addresses.set(address, Math.max(at, addresses.get(address) ?? at));
      seen.set(token, addresses);
    },
    async prune(before) {
      for (const [token, addresses] of seen) {
        for (const [address, at] of addresses) if (at < before) addresses.delete(address);
        if (addresses.size === 0) seen.delete(token);
      }
    },
  };
}

/** The store over SQLite or PostgreSQL (applies its migration). */
export async function storageTokenAddresses(storage: Storage): Promise<TokenAddressStore> {
  await storage.migrate([tokenAddressesMigration]);
  return {
    async lastSeen(token, address) {
      const row = await storage.one<{ last_seen: number | string }>('SELECT last_seen FROM security_token_addresses WHERE token = ? AND address = ?', [token, address]);
      return row ? Number(row.last_seen) : undefined;
    },
    async seenSince(token, since) {
      return (await storage.one('SELECT 1 AS one FROM security_token_addresses WHERE token = ? AND last_seen >= ? LIMIT 1', [token, since])) !== undefined;
    },
    async touch(token, address, at) {
      await storage.run(
        `INSERT INTO security_token_addresses (token, address, first_seen, last_seen) VALUES (?, ?, ?, ?)
ON CONFLICT (token, address) DO UPDATE SET last_seen = CASE WHEN excluded.last_seen > security_token_addresses.last_seen THEN excluded.last_seen ELSE security_token_addresses.last_seen END`,
        [token, address, at, at],
      );
    },
    async prune(before) {
      await storage.run('DELETE FROM security_token_addresses WHERE last_seen < ?', [before]);
    },
  };
}

export interface NewTokenAddressOptions {
  /** An address not seen for the token within this long counts as new. */
  rememberMs?: number;
  /** Report a token's first address ever (or its first after `rememberMs` of silence). */
  reportFirstUse?: boolean;
  /** A pair seen again within this long is neither looked up nor written. */
  touchEveryMs?: number;
  /** Pairs kept in memory to skip look-ups. */
  maxCached?: number;
}

export const NEW_TOKEN_ADDRESS_DEFAULTS = {
  rememberMs: 30 * 86_400_000, // thirty days: a monthly job's address is still known next month
  reportFirstUse: false, // a new token is expected to appear somewhere; its second address is the news
  touchEveryMs: 3_600_000, // one write an hour per (token, address) keeps "last seen" fresh enough for days
  maxCached: 10_000, // pairs kept in memory; an evicted one costs one look-up
};

/** Who used a credential from where. */
export interface CredentialUse {
  /** The token's name (a session's token). */
  token: string;
  source: string;
  at: number;
}

export class NewTokenAddressRule {
  readonly name = 'new-token-address' as const;
  private readonly o: typeof NEW_TOKEN_ADDRESS_DEFAULTS;
  private readonly recent: LRUCache<string, number>;
  private prunedAt = -Infinity;

  constructor(
    private readonly store: TokenAddressStore,
    options: NewTokenAddressOptions = {},
  ) {
    this.o = { ...NEW_TOKEN_ADDRESS_DEFAULTS, ...options };
    checkInteger('newTokenAddress', 'rememberMs', this.o.rememberMs, 1);
    checkInteger('newTokenAddress', 'touchEveryMs', this.o.touchEveryMs, 0);
    checkInteger('newTokenAddress', 'maxCached', this.o.maxCached, 1);
    this.recent = new LRUCache({ max: this.o.maxCached });
  }

  /** Checks one use; resolves to a finding when the address is new for the token. */
  async use({ token, source, at }: CredentialUse): Promise<ThreatFinding | undefined> {
    const key = JSON.stringify([token, source]);
    const cached = this.recent.get(key);
    if (cached !== undefined && at - cached < this.o.touchEveryMs) return undefined;
    // Marked before the look-up: concurrent requests of one pair report once.
    this.recent.set(key, at);
    const since = at - this.o.rememberMs;
    const last = await this.store.lastSeen(token, source);
    const known = last !== undefined && last >= since;
    const otherUse = known ? true : await this.store.seenSince(token, since);
    await this.store.touch(token, source, at);
    if (at - this.prunedAt >= this.o.touchEveryMs) {
      this.prunedAt = at;
      await this.store.prune(since);
    }
    if (known || (!otherUse && !this.o.reportFirstUse)) return undefined;
    return {
      rule: this.name,
      at,
      severity: 'warning',
      summary: `token ${token} used from ${source}, an address not seen for it in the last ${Math.round(this.o.rememberMs / 86_400_000)} days`,
      actor: token,
      source,
      detail: { lastSeenFromAddress: last ?? null, rememberMs: this.o.rememberMs, firstUse: !otherUse },
    };
  }
}
