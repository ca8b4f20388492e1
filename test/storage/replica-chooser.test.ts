import { describe, expect, it } from 'vitest';
import { roundRobinChooser } from '../../src/storage/replica-chooser.js';
import { classifyReplicaReadError } from '../../src/storage/replica-reads.js';

const hosts = ['a:5432', 'b:5432', 'c:5432'].map((name) => ({ name, target: `postgres://${name}/db` }));

describe('roundRobinChooser', () => {
  it('takes each host in turn', () => {
    const chooser = roundRobinChooser(hosts);
    expect(Array.from({ length: 4 }, () => chooser.pick().name)).toEqual(['a:5432', 'b:5432', 'c:5432', 'a:5432']);
  });

  it('skips the hosts a read has tried, and hands back an excluded one only when nothing else is left', () => {
    const chooser = roundRobinChooser(hosts);
    expect(chooser.pick(new Set(['a:5432'])).name).toBe('b:5432');
    expect(chooser.pick(new Set(['c:5432', 'a:5432'])).name).toBe('b:5432');
    const all = new Set(hosts.map((h) => h.name));
    expect(all.has(chooser.pick(all).name)).toBe(true);
  });
});

describe('what a failed replica read says about the replica', () => {
  const pgError = (code: string): Error => Object.assign(new Error(code), { code });
  it('out of reach or out of resources: gateway (try elsewhere, tell the group)', () => {
    expect(classifyReplicaReadError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('gateway');
    expect(classifyReplicaReadError(new Error('Connection terminated unexpectedly'))).toBe('gateway');
    expect(classifyReplicaReadError(pgError('53300'))).toBe('gateway');
    expect(classifyReplicaReadError(pgError('57P01'))).toBe('gateway');
  });

  it('cancelled by a conflict with recovery (40001 on a standby): failure of that replica, try elsewhere', () => {
    expect(classifyReplicaReadError(pgError('40001'))).toBe('failure');
  });

  it('the read itself is wrong (syntax, a write refused as read-only): neutral, rethrown as is', () => {
    expect(classifyReplicaReadError(pgError('42601'))).toBe('neutral');
    expect(classifyReplicaReadError(pgError('25006'))).toBe('neutral');
    expect(classifyReplicaReadError(new TypeError('bad parameter'))).toBe('neutral');
  });
});
