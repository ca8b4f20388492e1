import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { compareStreamIds } from '../../src/fleet/command-reader.js';
import { commandFields, parseCommandEntry } from '../../src/fleet/commands.js';
import { fleetControl, fleetKeys, joinFleet } from '../../src/fleet/index.js';
import { parseHalt } from '../../src/fleet/halt-state.js';

describe('fleet commands on the stream', () => {
  it('round-trip through the entry fields', () => {
    const fields = commandFields('bot-a', 'alice', 42, { type: 'isolate', breaker: 'orders', reason: 'flaky' });
    expect(parseCommandEntry('1-0', fields)).toEqual({ id: '1-0', target: 'bot-a', by: 'alice', at: 42, command: { type: 'isolate', breaker: 'orders', reason: 'flaky' } });
  });

  it('an entry that is not one of ours is reported, not applied', () => {
    expect(parseCommandEntry('1-0', ['command', '{'])).toEqual({ id: '1-0', error: 'command is not JSON' });
    expect(parseCommandEntry('1-0', ['command', JSON.stringify({ type: 'explode' })])).toMatchObject({ id: '1-0', error: expect.stringMatching(/^command: /) });
    expect(parseCommandEntry('1-0', ['command', JSON.stringify({ type: 'halt' })])).toMatchObject({ error: expect.stringMatching(/^command: /) });
  });

  it('stream ids compare by time, then sequence, past the range of a double', () => {
    expect(compareStreamIds('1-2', '1-10')).toBe(-1);
    expect(compareStreamIds('2-0', '1-99')).toBe(1);
    expect(compareStreamIds('9007199254740993-0', '9007199254740992-0')).toBe(1);
    expect(compareStreamIds('5-5', '5-5')).toBe(0);
  });
});

describe('fleet keys and options', () => {
  it('keys of one fleet share a hash tag (one Redis Cluster slot)', () => {
    const keys = fleetKeys('p:', 'eu');
    for (const key of [keys.instances, keys.halt, keys.commands, keys.instance('a'), keys.alive('a')]) expect(key.startsWith('p:{eu}:')).toBe(true);
  });

  it('an unreadable halt value still counts as a halt (fail safe)', () => {
    expect(parseHalt(null)).toBeNull();
    expect(parseHalt('{"reason":"r","by":"b","at":1}')).toEqual({ reason: 'r', by: 'b', at: 1 });
    expect(parseHalt('garbage')).toMatchObject({ by: 'unknown', reason: expect.stringContaining('unreadable') });
  });

  it('bad options are refused with the component, option and value', () => {
    const redis = new Redis({ lazyConnect: true });
    expect(() => joinFleet({ redis, instance: 'a b' })).toThrow('joinFleet: instance must be 1-100 letters, digits or . _ : @ + -, got "a b"');
    expect(() => joinFleet({ redis, instance: 'a', ttlMs: 500 })).toThrow('joinFleet: ttlMs must be a finite number > 1000 and <= 2147483647, got 500');
    expect(() => joinFleet({ redis, instance: 'a', maxDisconnectedMs: 0 })).toThrow('joinFleet: maxDisconnectedMs must be a finite number > 0 and <= 2147483647, got 0');
    expect(() => joinFleet({ instance: 'a' } as never)).toThrow('joinFleet: redis (an ioredis client) is required');
    expect(() => fleetControl({ redis, fleet: '' })).toThrow(/fleetControl: fleet must be/);
    expect(() => fleetControl({ redis, maxCommands: 0 })).toThrow('fleetControl: maxCommands must be an integer >= 1, got 0');
    redis.disconnect();
  });
});

describe('joinFleet with Redis unreachable', () => {
  it('leave() ends a join still waiting for Redis, and ready resolves', async () => {
    // Nothing listens on port 1: the connection keeps retrying, the join's commands wait.
    const redis = new Redis({ port: 1, lazyConnect: false, retryStrategy: () => 50, maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    const member = joinFleet({ redis, instance: 'unreachable', clock: new ManualClock(0) });
    await member.leave();
    await member.ready;
    redis.disconnect();
  });
});
