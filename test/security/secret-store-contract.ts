/**
 * What every storage backend must do for the secret store; run on SQLite (secret-store.test.ts)
 * and on real PostgreSQL (test/integration/secret-store-postgres.test.ts).
 */
import { expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { SecretError } from '../../src/security/envelope.js';
import { type Kek, keyring, parseKek } from '../../src/security/kek.js';
import { secretStore, secretsMigration } from '../../src/security/secret-store.js';
import type { Storage } from '../../src/storage/types.js';

export const OLD_KEK: Kek = parseKek(Buffer.alloc(32, 0x11).toString('hex'), 'old.key');
export const NEW_KEK: Kek = parseKek(Buffer.alloc(32, 0x22).toString('base64'), 'new.key');

async function refusal(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

export function secretStoreContract(open: () => Promise<Storage>): void {
  async function fresh(): Promise<Storage> {
    const storage = await open();
    await storage.migrate([secretsMigration]);
    return storage;
  }

  it('sets, gets, lists without values, versions each set, and removes', async () => {
    const storage = await fresh();
    try {
      const clock = new ManualClock(1_000);
      const store = secretStore(storage, { keyring: keyring(OLD_KEK), clock });
      expect(await store.set('binance-key', 'ak-first-value')).toEqual({ name: 'binance-key', version: 1, kekIds: [OLD_KEK.id], createdAt: 1_000, updatedAt: 1_000 });
      await clock.advance(500);
      await store.set('binance-key', 'ak-second-value');
      await store.set('alerts-webhook', 'https://hooks.example/T000/B000/XXXX');
      expect(await store.get('binance-key')).toBe('ak-second-value');
      const list = await store.list();
      expect(list).toEqual([
        { name: 'alerts-webhook', version: 1, kekIds: [OLD_KEK.id], createdAt: 1_500, updatedAt: 1_500 },
        { name: 'binance-key', version: 2, kekIds: [OLD_KEK.id], createdAt: 1_000, updatedAt: 1_500 },
      ]);
      const raw = JSON.stringify(await storage.all('SELECT * FROM secrets'));
      for (const value of ['ak-first-value', 'ak-second-value', 'hooks.example']) expect(raw).not.toContain(value);
      await expect(store.set('empty-key', '')).rejects.toThrow('secret "empty-key": no value given');
      await expect(store.set('../x', 'some-value')).rejects.toThrow(/secret name: 1-128 letters/);
      expect(await store.remove('binance-key')).toBe(true);
      expect(await store.remove('binance-key')).toBe(false);
      const missing = await refusal(store.get('binance-key'));
      expect(missing.code).toBe('SECRET_NOT_FOUND');
      expect(missing.message).toContain('binance-key');
    } finally {
      await storage.close();
    }
  });

  it('a row copied onto another name in the table is refused', async () => {
    const storage = await fresh();
    try {
      const store = secretStore(storage, { keyring: keyring(OLD_KEK) });
      await store.set('kraken-secret', 'kr-secret-value');
      await store.set('binance-secret', 'bn-secret-value');
      await storage.run(
        "UPDATE secrets SET nonce = (SELECT nonce FROM secrets WHERE name = 'kraken-secret'), ciphertext = (SELECT ciphertext FROM secrets WHERE name = 'kraken-secret'), tag = (SELECT tag FROM secrets WHERE name = 'kraken-secret'), wraps = (SELECT wraps FROM secrets WHERE name = 'kraken-secret') WHERE name = 'binance-secret'",
      );
      expect((await refusal(store.get('binance-secret'))).code).toBe('SECRET_UNREADABLE');
      expect(await store.get('kraken-secret')).toBe('kr-secret-value');
    } finally {
      await storage.close();
    }
  });

  it('rotation re-wraps every secret; a reader with only the old key reads every row during it, one with only the new key after', async () => {
    const storage = await fresh();
    try {
      const writer = secretStore(storage, { keyring: keyring(OLD_KEK) });
      const values = new Map([...Array(5).keys()].map((i) => [`s${i}`, `value-number-${i}`]));
      for (const [name, value] of values) await writer.set(name, value);
      const oldReader = secretStore(storage, { keyring: keyring(OLD_KEK) });
      const newReader = secretStore(storage, { keyring: keyring(NEW_KEK) });
      const rotator = secretStore(storage, { keyring: keyring(NEW_KEK, [OLD_KEK]) });
      const readsDuringWrap: string[] = [];
      const report = await rotator.rotate({
        onProgress: async (p) => {
          if (p.phase !== 'wrap') return;
          // Mid-rotation: the old key still reads every row, the new key those already wrapped.
          for (const [name, value] of values) expect(await oldReader.get(name)).toBe(value);
          for (const name of [...values.keys()].slice(0, p.done)) expect(await newReader.get(name)).toBe(values.get(name));
          readsDuringWrap.push(`${p.done}/${p.total}`);
        },
      });
      expect(report).toEqual({ kekId: NEW_KEK.id, total: 5, wrapped: 5, dropped: 5 });
      expect(readsDuringWrap).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);
      for (const [name, value] of values) expect(await newReader.get(name)).toBe(value);
      const refused = await refusal(oldReader.get('s0'));
      expect(refused.code).toBe('SECRET_KEY_UNKNOWN');
      expect(refused.message).toContain(NEW_KEK.id);
      expect((await rotator.list()).every((s) => s.kekIds.length === 1 && s.kekIds[0] === NEW_KEK.id)).toBe(true);
      // Versions and values are unchanged: only the wraps moved.
      expect((await rotator.list()).map((s) => s.version)).toEqual([1, 1, 1, 1, 1]);
    } finally {
      await storage.close();
    }
  });

  it('an old-key reader reads every row while the rotation is between its passes; a rerun after an interruption finishes it', async () => {
    const storage = await fresh();
    try {
      const writer = secretStore(storage, { keyring: keyring(OLD_KEK) });
      for (let i = 0; i < 4; i++) await writer.set(`k${i}`, `secret-value-${i}`);
      const rotator = secretStore(storage, { keyring: keyring(NEW_KEK, [OLD_KEK]) });
      const oldReader = secretStore(storage, { keyring: keyring(OLD_KEK) });
      const newReader = secretStore(storage, { keyring: keyring(NEW_KEK) });
      // Interrupted in the second pass, after its second row: the process dies there.
      await expect(
        rotator.rotate({
          onProgress: (p) => {
            if (p.phase === 'drop' && p.done === 2) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      // The rows the second pass had not reached still open under the old key; all open under the new.
      for (const i of [2, 3]) expect(await oldReader.get(`k${i}`)).toBe(`secret-value-${i}`);
      for (let i = 0; i < 4; i++) expect(await newReader.get(`k${i}`)).toBe(`secret-value-${i}`);
      const rerun = await rotator.rotate();
      expect(rerun).toEqual({ kekId: NEW_KEK.id, total: 4, wrapped: 0, dropped: 2 });
      expect(await rotator.rotate()).toEqual({ kekId: NEW_KEK.id, total: 4, wrapped: 0, dropped: 0 });
      expect((await refusal(oldReader.get('k3'))).code).toBe('SECRET_KEY_UNKNOWN');
    } finally {
      await storage.close();
    }
  });

  it('interrupted in the first pass, every row still opens under the old key, and a rerun completes', async () => {
    const storage = await fresh();
    try {
      const writer = secretStore(storage, { keyring: keyring(OLD_KEK) });
      for (let i = 0; i < 3; i++) await writer.set(`p${i}`, `pass-one-value-${i}`);
      const rotator = secretStore(storage, { keyring: keyring(NEW_KEK, [OLD_KEK]) });
      await expect(
        rotator.rotate({
          onProgress: (p) => {
            if (p.phase === 'wrap' && p.done === 1) throw new Error('interrupted');
          },
        }),
      ).rejects.toThrow('interrupted');
      const oldReader = secretStore(storage, { keyring: keyring(OLD_KEK) });
      for (let i = 0; i < 3; i++) expect(await oldReader.get(`p${i}`)).toBe(`pass-one-value-${i}`);
      expect(await rotator.rotate()).toEqual({ kekId: NEW_KEK.id, total: 3, wrapped: 2, dropped: 3 });
    } finally {
      await storage.close();
    }
  });
}
