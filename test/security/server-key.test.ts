import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFileText, loadServerKey, writeKeyFileAtomic } from '../../src/security/server-key.js';

const dir = () => mkdtempSync(join(tmpdir(), 'bulwark-key-'));

describe('loadServerKey', () => {
  it('creates the key file with mode 0600 on first use and reads the same key after', () => {
    const d = dir();
    const first = loadServerKey({ dataDir: d, env: {} });
    const file = join(d, 'security.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const again = loadServerKey({ dataDir: d, env: {} });
    expect(again.derive('audit-chain').equals(first.derive('audit-chain'))).toBe(true);
  });

  it('derives a different key per purpose', () => {
    const key = loadServerKey({ dataDir: dir(), env: {} });
    expect(key.derive('audit-chain').equals(key.derive('backup-manifest'))).toBe(false);
    expect(key.derive('session')).toHaveLength(32);
  });

  it('prefers BULWARK_SECURITY_KEY and refuses a malformed one without echoing it', () => {
    const hex = 'ab'.repeat(32);
    const a = loadServerKey({ env: { BULWARK_SECURITY_KEY: hex } });
    const d = dir();
    writeFileSync(join(d, 'k'), hex);
    const b = loadServerKey({ file: join(d, 'k'), env: {} });
    expect(a.derive('session').equals(b.derive('session'))).toBe(true);
    expect(a.source).toBe('environment');
    expect(() => loadServerKey({ env: { BULWARK_SECURITY_KEY: 'not-a-key-value' } })).toThrow(/BULWARK_SECURITY_KEY: the security key must be 64 hex/);
    expect(() => loadServerKey({ env: { BULWARK_SECURITY_KEY: 'not-a-key-value' } })).not.toThrow(/not-a-key-value/);
  });

  it('refuses to invent a key when create is false, naming the file but not its folder', () => {
    const d = dir();
    expect(() => loadServerKey({ dataDir: d, env: {}, create: false })).toThrow(/^security\.key: no security key/);
    expect(() => loadServerKey({ dataDir: d, env: {}, create: false })).not.toThrow(new RegExp(d));
  });

  it('reads previous keys from the key file, BULWARK_SECURITY_PREVIOUS_KEYS and previousKeyFiles, each known by an id that is not the key', () => {
    const d = dir();
    const [a, b, c] = ['aa', 'bb', 'cc'].map((x) => x.repeat(32));
    writeKeyFileAtomic(join(d, 'security.key'), keyFileText(Buffer.from(a!, 'hex'), [Buffer.from(b!, 'hex')]));
    expect(statSync(join(d, 'security.key')).mode & 0o777).toBe(0o600);
    writeFileSync(join(d, 'old.key'), `${c}\n`);
    const key = loadServerKey({ dataDir: d, env: { BULWARK_SECURITY_PREVIOUS_KEYS: `${c},${a}` }, previousKeyFiles: [join(d, 'old.key')] });
    const only = (hex: string) => loadServerKey({ env: { BULWARK_SECURITY_KEY: hex } }).id;
    expect(key.id).toBe(only(a!));
    expect(key.id).toMatch(/^key-[0-9a-f]{16}$/);
    expect(key.id).not.toContain(a!.slice(0, 16));
    // The same key given twice is kept once; the current key is never its own previous one.
    expect(key.previous.map((k) => k.id)).toEqual([only(b!), only(c!)]);
    expect(key.previous[0]!.derive('backup-manifest').equals(loadServerKey({ env: { BULWARK_SECURITY_KEY: b! } }).derive('backup-manifest'))).toBe(true);
  });

  it('names a bad previous key by where it came from, never its text', () => {
    expect(() => loadServerKey({ env: { BULWARK_SECURITY_KEY: 'aa'.repeat(32), BULWARK_SECURITY_PREVIOUS_KEYS: 'nothex' } })).toThrow(/^BULWARK_SECURITY_PREVIOUS_KEYS\[0\]: the security key must be 64 hex characters/);
  });
});
