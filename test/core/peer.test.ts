import { describe, expect, it } from 'vitest';
import { MissingPeerError, loadPeer } from '../../src/core/peer.js';

describe('loadPeer', () => {
  it('returns the installed peer, the same module on every call', () => {
    const first = loadPeer<{ Pool: unknown }>('pg', 'postgresStorage');
    expect(typeof first.Pool).toBe('function');
    expect(loadPeer('pg', 'postgresStorage')).toBe(first);
  });

  it('names the missing package, the feature and the install command', () => {
    const load = (): unknown => loadPeer('bulwark-peer-that-is-not-installed', 'sqliteStorage');
    expect(load).toThrow(MissingPeerError);
    expect(load).toThrow("sqliteStorage needs the optional peer dependency 'bulwark-peer-that-is-not-installed': install it with `npm install bulwark-peer-that-is-not-installed`");
    try {
      load();
    } catch (error) {
      expect(error).toMatchObject({ code: 'MODULE_NOT_FOUND', peer: 'bulwark-peer-that-is-not-installed' });
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
  });
});
