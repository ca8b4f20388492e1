import { describe, expect, it } from 'vitest';
import { type SealedSecret, SecretError, addCurrentWrap, keepCurrentWrapOnly, openSecret, sealSecret } from '../../src/security/envelope.js';
import { type Kek, kekId, keyring, parseKek } from '../../src/security/kek.js';

const kek = (byte: number, source = `key-${byte}`): Kek => parseKek(Buffer.alloc(32, byte).toString('base64'), source);
const OLD = kek(1);
const NEW = kek(2);
const VALUE = 'sk-live-4f9a2c71e0d3';

/** Flips one bit of a base64 field. */
function flip(field: string, at = 0): string {
  const bytes = Buffer.from(field, 'base64');
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}

function errorOf(fn: () => unknown): SecretError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    return error as SecretError;
  }
  throw new Error('expected a SecretError');
}

describe('envelope encryption', () => {
  const sealed = sealSecret('binance-secret', 1, VALUE, keyring(OLD));

  it('round-trips a value, and the sealed record holds neither the value nor the key', () => {
    expect(openSecret(sealed, keyring(OLD))).toBe(VALUE);
    const stored = JSON.stringify(sealed);
    expect(stored).not.toContain(VALUE);
    expect(stored).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(stored).not.toContain(OLD.key.toString('base64'));
    expect(sealed.wraps.map((w) => w.kekId)).toEqual([OLD.id]);
  });

  it('seals each secret under its own data key and nonce: the same value twice gives other ciphertexts', () => {
    const again = sealSecret('binance-secret', 1, VALUE, keyring(OLD));
    expect(again.ciphertext).not.toBe(sealed.ciphertext);
    expect(again.nonce).not.toBe(sealed.nonce);
    expect(again.wraps[0]!.key).not.toBe(sealed.wraps[0]!.key);
  });

  it('uses the injected randomness: the same bytes give the same record', () => {
    let n = 0;
    const random = (size: number): Buffer => Buffer.alloc(size, ++n);
    n = 0;
    const a = sealSecret('x-key', 1, VALUE, keyring(OLD), { random });
    n = 0;
    const b = sealSecret('x-key', 1, VALUE, keyring(OLD), { random });
    expect(a).toEqual(b);
  });

  it.each<[string, (s: SealedSecret) => SealedSecret]>([
    ['a byte of the ciphertext', (s) => ({ ...s, ciphertext: flip(s.ciphertext) })],
    ['the nonce', (s) => ({ ...s, nonce: flip(s.nonce) })],
    ['the tag', (s) => ({ ...s, tag: flip(s.tag, 15) })],
    ['a truncated tag', (s) => ({ ...s, tag: Buffer.from(s.tag, 'base64').subarray(0, 12).toString('base64') })],
    ['the name (a ciphertext moved to another secret)', (s) => ({ ...s, name: 'kraken-secret' })],
    ['the version (an older ciphertext replayed)', (s) => ({ ...s, version: 2 })],
    ['the wrapped data key', (s) => ({ ...s, wraps: [{ ...s.wraps[0]!, key: flip(s.wraps[0]!.key, 5) }] })],
    ['the wrap nonce', (s) => ({ ...s, wraps: [{ ...s.wraps[0]!, nonce: flip(s.wraps[0]!.nonce) }] })],
    ['the wrap tag', (s) => ({ ...s, wraps: [{ ...s.wraps[0]!, tag: flip(s.wraps[0]!.tag) }] })],
  ])('refuses a record with %s altered, saying it was altered and never giving a value', (_, tamper) => {
    const error = errorOf(() => openSecret(tamper(sealed), keyring(OLD)));
    expect(error.code).toBe('SECRET_UNREADABLE');
    expect(error.message).toMatch(/altered/);
    expect(error.message).not.toContain(VALUE);
  });

  it('refuses a record moved to another name even when its data key is re-wrapped for that name', () => {
    // An attacker who can write rows but holds no key cannot re-wrap; this checks the value's own AAD too.
    const other = sealSecret('kraken-secret', 1, 'other-value-123', keyring(OLD));
    const moved = { ...other, nonce: sealed.nonce, ciphertext: sealed.ciphertext, tag: sealed.tag };
    expect(errorOf(() => openSecret(moved, keyring(OLD))).code).toBe('SECRET_UNREADABLE');
  });

  it('with the wrong KEK, refuses naming the KEK id the record needs and the ids it knows', () => {
    const error = errorOf(() => openSecret(sealed, keyring(NEW)));
    expect(error.code).toBe('SECRET_KEY_UNKNOWN');
    expect(error.message).toContain(OLD.id);
    expect(error.message).toContain(NEW.id);
    expect(error.message).toContain('binance-secret');
    expect(error.message).not.toContain(OLD.key.toString('base64'));
  });

  it('a record claiming a known KEK id whose wrap was made by another key is refused as altered', () => {
    const forged = { ...sealed, wraps: [{ ...sealSecret('binance-secret', 1, VALUE, keyring(NEW)).wraps[0]!, kekId: OLD.id }] };
    expect(errorOf(() => openSecret(forged, keyring(OLD))).code).toBe('SECRET_UNREADABLE');
  });

  it('a rotation adds a wrap under the new KEK readable by either key, then keeps only the new one', () => {
    const both = addCurrentWrap(sealed, keyring(NEW, [OLD]));
    expect(both.wraps.map((w) => w.kekId)).toEqual([NEW.id, OLD.id]);
    expect(both.ciphertext).toBe(sealed.ciphertext);
    expect(openSecret(both, keyring(OLD))).toBe(VALUE);
    expect(openSecret(both, keyring(NEW))).toBe(VALUE);
    expect(addCurrentWrap(both, keyring(NEW, [OLD]))).toBe(both);
    const after = keepCurrentWrapOnly(both, keyring(NEW, [OLD]));
    expect(after.wraps.map((w) => w.kekId)).toEqual([NEW.id]);
    expect(openSecret(after, keyring(NEW))).toBe(VALUE);
    expect(errorOf(() => openSecret(after, keyring(OLD))).code).toBe('SECRET_KEY_UNKNOWN');
  });

  it('keepCurrentWrapOnly refuses to drop wraps when the new one is missing', () => {
    expect(errorOf(() => keepCurrentWrapOnly(sealed, keyring(NEW, [OLD]))).code).toBe('SECRET_KEY_UNKNOWN');
  });

  it('sealing without a configured KEK is refused with what to set', () => {
    expect(errorOf(() => sealSecret('a-key', 1, VALUE, keyring(undefined))).message).toMatch(/BULWARK_SECRETS_KEY or security.secrets.keyFile/);
  });

  it('refuses a bad secret name', () => {
    expect(() => sealSecret('../etc', 1, VALUE, keyring(OLD))).toThrow(/secret name: 1-128 letters/);
  });
});

describe('key-encryption keys', () => {
  it('reads hex and base64 alike, with the same fingerprint, and refuses other lengths naming the source only', () => {
    const key = Buffer.alloc(32, 7);
    expect(parseKek(key.toString('hex'), 'env').id).toBe(parseKek(key.toString('base64'), 'file').id);
    expect(parseKek(key.toString('base64url'), 'file').id).toBe(kekId(key));
    expect(kekId(key)).toMatch(/^kek-[0-9a-f]{16}$/);
    expect(kekId(key)).not.toContain(key.toString('hex').slice(0, 8));
    expect(() => parseKek(Buffer.alloc(16, 1).toString('base64'), 'short.key')).toThrow(/^short.key: a key-encryption key must be 32 bytes/);
    expect(() => parseKek('not a key at all', 'BULWARK_SECRETS_KEY')).toThrow(/^BULWARK_SECRETS_KEY: /);
  });

  it('a keyring keeps the same key once and the current one first', () => {
    const ring = keyring(NEW, [OLD, NEW, OLD]);
    expect(ring.keys.map((k) => k.id)).toEqual([NEW.id, OLD.id]);
    expect(ring.get(OLD.id)).toBe(OLD);
    expect(ring.get('kek-0000000000000000')).toBeUndefined();
  });
});
