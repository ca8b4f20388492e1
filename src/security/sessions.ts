/**
 * Dashboard sessions: a browser signs in with a token once and then carries a random session id in
 * an HttpOnly cookie. The id is stored only as its HMAC (a stolen table opens no session). A session
 * ends after `idleMs` without use, `maxMs` after sign-in, at sign-out, or when its token is revoked
 * or expires. Each session has a CSRF token derived from its id (HMAC), which a state-changing
 * request made with the cookie must send in `X-CSRF-Token`.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, systemClock } from '../core/clock.js';
import { checkInteger, checkKeyBuffer } from '../core/option-checks.js';
import type { Storage } from '../storage/types.js';
import { type TokenRecord, type TokenStore, isActive } from './tokens.js';

export const SESSION_DEFAULTS = {
  idleMs: 30 * 60_000, // OWASP ASVS level 2: a session unused for 30 minutes ends
  maxMs: 12 * 60 * 60_000, // ASVS level 2: sign in again at least every 12 hours, however busy
  idBytes: 32, // 256 random bits per session id
  touchEveryMs: 60_000, // `last seen` is written at most once a minute (the idle limit can end a session up to this much early)
} as const;

export interface SessionStoreOptions {
  /** The HMAC key for ids and CSRF tokens: `loadServerKey().derive('session')`. */
  key: Buffer;
  tokens: TokenStore;
  clock?: Clock;
  idleMs?: number;
  maxMs?: number;
}

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, stored only as an HMAC. */
  id: string;
  csrfToken: string;
  expiresAt: number;
  token: TokenRecord;
}

export interface VerifiedSession {
  /** The stored HMAC's first 16 characters: names the session in logs and the audit log without revealing it. */
  ref: string;
  token: TokenRecord;
  expiresAt: number;
}

export interface SessionStore {
  open(token: TokenRecord): Promise<OpenedSession>;
  /** The session and its token, when the id is known, not idle, not past its maximum and its token still active. */
  verify(id: string): Promise<VerifiedSession | undefined>;
  close(id: string): Promise<void>;
  /** The CSRF token a session's state-changing requests must carry. */
  csrfTokenOf(id: string): string;
  csrfMatches(id: string, sent: string | undefined): boolean;
}

interface Row extends Record<string, unknown> {
  id_hash: string;
  token_id: string;
  created_at: number | string;
  last_seen_at: number | string;
  expires_at: number | string;
}

export function sessionStore(storage: Storage, options: SessionStoreOptions): SessionStore {
  const clock = options.clock ?? systemClock;
  const idleMs = options.idleMs ?? SESSION_DEFAULTS.idleMs;
  const maxMs = options.maxMs ?? SESSION_DEFAULTS.maxMs;
  checkInteger('sessionStore', 'idleMs', idleMs, 1);
  checkInteger('sessionStore', 'maxMs', maxMs, 1);
  checkKeyBuffer('sessionStore', 'key', options.key, 32);
  const mac = (what: string, value: string): string => createHmac('sha256', options.key).update(`${what}:${value}`).digest('base64url');
  const hashOf = (id: string): string => mac('session-id', id);
  const csrfTokenOf = (id: string): string => mac('csrf', id);

  return {
    async open(token) {
      const now = clock.now();
      const id = randomBytes(SESSION_DEFAULTS.idBytes).toString('base64url');
      // A session never outlives its token.
      const expiresAt = Math.min(now + maxMs, token.expiresAt ?? Infinity);
      await storage.run('INSERT INTO security_sessions (id_hash, token_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)', [hashOf(id), token.id, now, now, expiresAt]);
      return { id, csrfToken: csrfTokenOf(id), expiresAt, token };
    },

    async verify(id) {
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{20,100}$/.test(id)) return undefined;
      const idHash = hashOf(id);
      const row = await storage.one<Row>('SELECT * FROM security_sessions WHERE id_hash = ?', [idHash]);
      if (!row) return undefined;
      const now = clock.now();
      const lastSeen = Number(row.last_seen_at);
      const expiresAt = Number(row.expires_at);
      if (now >= expiresAt || now - lastSeen > idleMs) {
        await storage.run('DELETE FROM security_sessions WHERE id_hash = ?', [idHash]);
        return undefined;
      }
      const token = await options.tokens.get(row.token_id);
      if (!token || !isActive(token, now)) return undefined;
      if (now - lastSeen >= SESSION_DEFAULTS.touchEveryMs) await storage.run('UPDATE security_sessions SET last_seen_at = ? WHERE id_hash = ?', [now, idHash]);
      return { ref: idHash.slice(0, 16), token, expiresAt };
    },

    async close(id) {
      if (typeof id !== 'string') return;
      await storage.run('DELETE FROM security_sessions WHERE id_hash = ?', [hashOf(id)]);
    },

    csrfTokenOf,

    csrfMatches(id, sent) {
      if (typeof sent !== 'string' || sent === '') return false;
      const expected = Buffer.from(csrfTokenOf(id));
      const given = Buffer.from(sent);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}
