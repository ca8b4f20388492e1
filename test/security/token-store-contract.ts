/** What a token store does on any Storage: the same cases run on SQLite and PostgreSQL. */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { authMigrations } from '../../src/security/token-migrations.js';
import { resolveRoles } from '../../src/security/roles.js';
import { sessionStore } from '../../src/security/sessions.js';
import { TOKEN_DEFAULTS, tokenStore } from '../../src/security/tokens.js';
import type { Storage } from '../../src/storage/types.js';

export function tokenStoreContract(open: () => Promise<Storage>): void {
  const setup = async (options: { scryptN?: number } = {}) => {
    const storage = await open();
    await storage.migrate(authMigrations);
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const tokens = tokenStore(storage, { clock, scryptN: options.scryptN ?? 2 ** 10, roles: resolveRoles({ auditor: ['audit:read'] }) });
    return { storage, clock, tokens };
  };

  it('creates a token shown once, stores only a salted scrypt hash, and verifies it', async () => {
    const { storage, tokens } = await setup({ scryptN: TOKEN_DEFAULTS.scryptN });
    try {
      const { token, record } = await tokens.create({ name: 'ci deploy', role: 'operator' });
      expect(token).toMatch(/^bwk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(token.split('_')[1]).toBe(record.id);
      const rows = await storage.all<{ hash: string; salt: string; params: string }>('SELECT hash, salt, params FROM security_tokens');
      expect(rows).toHaveLength(1);
      const secret = token.slice(`bwk_${record.id}_`.length);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.parse(rows[0]!.params)).toEqual({ N: TOKEN_DEFAULTS.scryptN, r: 8, p: 1, keyLength: 32 });
      expect((await tokens.verify(token))?.name).toBe('ci deploy');
      // A second token with its own salt: equal hashes would mean a shared salt.
      const other = await tokens.create({ name: 'second', role: 'viewer' });
      const hashes = await storage.all<{ salt: string }>('SELECT salt FROM security_tokens');
      expect(new Set(hashes.map((h) => h.salt)).size).toBe(2);
      expect((await tokens.verify(other.token))?.role).toBe('viewer');
    } finally {
      await storage.close();
    }
  });

  it('refuses a wrong secret, an unknown prefix, a malformed token, an unknown role and a bad name', async () => {
    const { storage, tokens } = await setup();
    try {
      const { token, record } = await tokens.create({ name: 'a', role: 'auditor' });
      const wrongSecret = `bwk_${record.id}_${'A'.repeat(43)}`;
      expect(await tokens.verify(wrongSecret)).toBeUndefined();
      expect(await tokens.verify(`bwk_000000000000_${token.slice(-43)}`)).toBeUndefined();
      expect(await tokens.verify('Bearer nonsense')).toBeUndefined();
      expect(await tokens.verify(`${token}x`)).toBeUndefined();
      await expect(tokens.create({ name: 'b', role: 'root' })).rejects.toThrow(/^role: no role named "root" \(roles: viewer, operator, admin, auditor\)/);
      await expect(tokens.create({ name: 'bad\nname', role: 'viewer' })).rejects.toThrow(/^name:/);
    } finally {
      await storage.close();
    }
  });

  it('lists tokens without secrets or hashes, with last use; revoke and expiry end a token', async () => {
    const { storage, clock, tokens } = await setup();
    try {
      const a = await tokens.create({ name: 'a', role: 'viewer' });
      await clock.advance(1);
      const b = await tokens.create({ name: 'b', role: 'admin', expiresAt: clock.now() + 60_000 });
      await clock.advance(1_000);
      await tokens.verify(a.token);
      const listed = await tokens.list();
      expect(listed.map((t) => [t.name, t.lastUsedAt])).toEqual([
        ['a', clock.now()],
        ['b', null],
      ]);
      expect(JSON.stringify(listed)).not.toMatch(/hash|salt/);
      expect(await tokens.anyActive()).toBe(true);
      expect(await tokens.revoke(a.record.id)).toBe(true);
      expect(await tokens.revoke(a.record.id)).toBe(false);
      expect(await tokens.verify(a.token)).toBeUndefined();
      expect((await tokens.verify(b.token))?.name).toBe('b');
      await clock.advance(60_000);
      expect(await tokens.verify(b.token)).toBeUndefined();
      expect(await tokens.anyActive()).toBe(false);
    } finally {
      await storage.close();
    }
  });

  it('remembers a positive verification (no scrypt per request) by an HMAC of the token, and revoke forgets it', async () => {
    const { storage, clock, tokens } = await setup();
    try {
      const { token, record } = await tokens.create({ name: 'dashboard', role: 'viewer' });
      expect(await tokens.verify(token)).toBeDefined();
      // Break the stored hash: a verification that ran scrypt again would now fail.
      await storage.run('UPDATE security_tokens SET hash = ? WHERE id = ?', [Buffer.alloc(32).toString('base64'), record.id]);
      expect(await tokens.verify(token)).toBeDefined();
      await clock.advance(TOKEN_DEFAULTS.cacheMs);
      expect(await tokens.verify(token)).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('a revocation made by another store (another process) counts at once, despite the cache', async () => {
    const { storage, clock, tokens } = await setup();
    try {
      const { token, record } = await tokens.create({ name: 'x', role: 'viewer' });
      expect(await tokens.verify(token)).toBeDefined();
      const elsewhere = tokenStore(storage, { clock, scryptN: 2 ** 10 });
      await elsewhere.revoke(record.id);
      expect(await tokens.verify(token)).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('sessions: stored as an HMAC, end when idle, at their maximum age, on close and when the token is revoked', async () => {
    const { storage, clock, tokens } = await setup();
    try {
      const key = Buffer.alloc(32, 7);
      const sessions = sessionStore(storage, { key, tokens, clock, idleMs: 10 * 60_000, maxMs: 60 * 60_000 });
      const { record } = await tokens.create({ name: 'browser', role: 'operator' });
      const s = await sessions.open(record);
      const stored = await storage.all<{ id_hash: string }>('SELECT id_hash FROM security_sessions');
      expect(stored).toHaveLength(1);
      expect(stored[0]!.id_hash).not.toBe(s.id);
      expect((await sessions.verify(s.id))?.token.name).toBe('browser');
      expect(sessions.csrfMatches(s.id, s.csrfToken)).toBe(true);
      expect(sessions.csrfMatches(s.id, `${s.csrfToken.slice(0, -1)}x`)).toBe(false);
      // Used every 9 minutes it lives on; 10 minutes and a bit unused, it ends.
      for (let i = 0; i < 5; i++) {
        await clock.advance(9 * 60_000);
        expect(await sessions.verify(s.id)).toBeDefined();
      }
      await clock.advance(10 * 60_000 + 1);
      expect(await sessions.verify(s.id)).toBeUndefined();

      const busy = await sessions.open(record);
      for (let i = 0; i < 6; i++) {
        await clock.advance(9 * 60_000);
        expect(await sessions.verify(busy.id)).toBeDefined();
      }
      await clock.advance(6 * 60_000); // 60 minutes since sign-in, however busy
      expect(await sessions.verify(busy.id)).toBeUndefined();

      const closed = await sessions.open(record);
      await sessions.close(closed.id);
      expect(await sessions.verify(closed.id)).toBeUndefined();

      const revoked = await sessions.open(record);
      await tokens.revoke(record.id);
      expect(await sessions.verify(revoked.id)).toBeUndefined();
    } finally {
      await storage.close();
    }
  });
}
