import { expect, it } from 'vitest';
import type { TokenAddressStore } from '../../src/security/token-addresses.js';

/** The behaviour every TokenAddressStore shares (memory, SQLite, PostgreSQL). */
export function tokenAddressStoreContract(make: () => Promise<{ store: TokenAddressStore; close(): Promise<void> }>): void {
  it('remembers when a token was last seen from an address, keeping the latest time', async () => {
    const { store, close } = await make();
    expect(await store.lastSeen('ci', '10.0.0.1')).toBeUndefined();
    await store.touch('ci', '10.0.0.1', 1_000);
    await store.touch('ci', '10.0.0.1', 5_000);
    await store.touch('ci', '10.0.0.1', 3_000);
    expect(await store.lastSeen('ci', '10.0.0.1')).toBe(5_000);
    expect(await store.lastSeen('ci', '10.0.0.2')).toBeUndefined();
    expect(await store.lastSeen('other', '10.0.0.1')).toBeUndefined();
    await close();
  });

  it('seenSince and prune work on last-seen times', async () => {
    const { store, close } = await make();
    await store.touch('ci', 'a', 1_000);
    await store.touch('ci', 'b', 9_000);
    expect(await store.seenSince('ci', 5_000)).toBe(true);
    expect(await store.seenSince('ci', 10_000)).toBe(false);
    await store.prune(5_000);
    expect(await store.lastSeen('ci', 'a')).toBeUndefined();
    expect(await store.lastSeen('ci', 'b')).toBe(9_000);
    await close();
  });
}
