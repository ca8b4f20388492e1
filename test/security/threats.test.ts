import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type AuditLog, auditLog } from '../../src/security/audit-log.js';
import { Lockout } from '../../src/security/lockout.js';
import { ThreatDetector } from '../../src/security/threats.js';
import { memoryTokenAddresses, storageTokenAddresses } from '../../src/security/token-addresses.js';
import { sqliteStorage } from '../../src/storage/sqlite.js';
import { testKey } from './audit-tampering.js';
import { tokenAddressStoreContract } from './token-address-store-contract.js';

async function setup(clock = new ManualClock(1_000_000)): Promise<{ clock: ManualClock; audit: AuditLog; close(): Promise<void> }> {
  const storage = await sqliteStorage({ path: ':memory:' });
  const audit = await auditLog(storage, { key: testKey(), clock });
  return { clock, audit, close: () => storage.close() };
}

describe('token address stores', () => {
  describe('memory', () => tokenAddressStoreContract(async () => ({ store: memoryTokenAddresses(), close: async () => undefined })));
  describe('SQLite', () =>
    tokenAddressStoreContract(async () => {
      const storage = await sqliteStorage({ path: ':memory:' });
      return { store: await storageTokenAddresses(storage), close: () => storage.close() };
    }));
});

describe('ThreatDetector', () => {
  it('runs the audit-stream rules on what the audit log writes, and appends each finding as security.threat', async () => {
    const { clock, audit, close } = await setup();
    const threats = new ThreatDetector({ clock, audit, rules: { killSwitchRelease: { withinMs: 60_000 } } });
    const seen: string[] = [];
    threats.on('finding', (f) => seen.push(f.rule));
    await audit.append({ actor: 'alice', actorKind: 'token', action: 'POST /api/gate/halt', source: '10.0.0.1' });
    await clock.advance(30_000);
    await audit.append({ actor: 'bob', actorKind: 'token', action: 'POST /api/gate/resume', source: '10.0.0.2' });
    await threats.settled();
    expect(seen).toEqual(['kill-switch-release']);
    const [entry] = await audit.list({ action: 'security.threat' });
    expect(entry).toMatchObject({ action: 'security.threat', actor: 'system', target: 'kill-switch-release', source: '10.0.0.2', tags: ['trading-control'] });
    expect(entry!.after).toMatchObject({ severity: 'critical', actor: 'bob' });
    expect(threats.findings()).toEqual([expect.objectContaining({ id: 1, rule: 'kill-switch-release' })]);
    expect((await audit.verify()).ok).toBe(true);
    await threats.close();
    await close();
  });

  it('brute force from the lockout becomes a finding and a security.brute-force entry with the source as actor', async () => {
    const { clock, audit, close } = await setup();
    const lockout = new Lockout({ clock, bruteForceFailures: 3, bruteForceWindowMs: 60_000 });
    const threats = new ThreatDetector({ clock, audit, lockout });
    for (let i = 0; i < 3; i++) lockout.failure('198.51.100.4', 'failed-login');
    await threats.settled();
    const [entry] = await audit.list({ action: 'security.brute-force' });
    expect(entry).toMatchObject({ actor: '198.51.100.4', actorKind: 'address', target: 'brute-force', tags: ['access-control'] });
    expect(threats.findings()[0]).toMatchObject({ rule: 'brute-force', severity: 'critical', source: '198.51.100.4' });
    await threats.close();
    await close();
  });

  it('counts findings per rule for alertHoldMs, then lets them go', async () => {
    const clock = new ManualClock(0);
    const threats = new ThreatDetector({ clock, rules: { alertHoldMs: 10_000 } });
    threats.raise({ rule: 'order-rate', at: 0, severity: 'critical', summary: 'x', detail: {} });
    expect(threats.recentCounts().get('order-rate')).toBe(1);
    await clock.advance(10_000);
    expect(threats.recentCounts().get('order-rate')).toBeUndefined();
  });

  it('rules switched off in the config do not run; without a change window that rule does not run', () => {
    expect(new ThreatDetector({ rules: { orderRate: { enabled: false } } }).rules).toEqual(['state-change-burst', 'kill-switch-release', 'new-token-address']);
    expect(new ThreatDetector({ lockout: new Lockout(), rules: { changeWindow: { from: '08:00', to: '18:00' } } }).rules).toEqual([
      'brute-force',
      'state-change-burst',
      'kill-switch-release',
      'change-window',
      'order-rate',
      'new-token-address',
    ]);
    expect(new ThreatDetector({ lockout: new Lockout(), rules: { enabled: false } }).rules).toEqual([]);
  });

  it('credential uses and orders reach their rules', async () => {
    const clock = new ManualClock(0);
    const threats = new ThreatDetector({ clock, rules: { orderRate: { warmupMinutes: 1, minPerMinute: 5, factor: 2 } } });
    await threats.credentialUsed({ token: 'ci', source: 'a', at: 0 });
    await threats.credentialUsed({ token: 'ci', source: 'b', at: 1 });
    threats.order(0);
    for (let i = 0; i < 6; i++) threats.order(60_000 + i);
    expect(threats.findings().map((f) => f.rule)).toEqual(['order-rate', 'new-token-address']);
  });

  it('a failing address store is reported as failure, not thrown', async () => {
    const store = { ...memoryTokenAddresses(), lastSeen: () => Promise.reject(new Error('database away')) };
    const threats = new ThreatDetector({ addresses: store });
    const failures: unknown[] = [];
    threats.on('failure', (f) => failures.push(f.rule));
    await threats.credentialUsed({ token: 'ci', source: 'a', at: 0 });
    expect(failures).toEqual(['new-token-address']);
  });
});
