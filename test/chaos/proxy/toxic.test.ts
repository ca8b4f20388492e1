import { describe, expect, it } from 'vitest';
import { parseAddress, formatAddress } from '../../../src/chaos/proxy/address.js';
import { faultProxies } from '../../../src/chaos/proxy/proxies.js';
import { patchToxic, resolveToxic } from '../../../src/chaos/proxy/toxic.js';
import { parseToxicFlag } from '../../../src/chaos/proxy/toxic-flag.js';

describe('resolveToxic', () => {
  it('fills the defaults: downstream, toxicity 1, the type attributes, a name from type and direction', () => {
    expect(resolveToxic({ type: 'slicer', direction: 'upstream' })).toEqual({ name: 'slicer_upstream', type: 'slicer', direction: 'upstream', toxicity: 1, attributes: { averageSize: 8, sizeVariation: 0, delayMs: 0 } });
  });

  it('refuses bad values naming the toxic, the field and the value', () => {
    expect(() => resolveToxic({ type: 'latency', attributes: { latencyMs: 1.5 } })).toThrow('toxic latency_downstream: attributes.latencyMs must be an integer >= 0 and <= 86400000, got 1.5');
    expect(() => resolveToxic({ type: 'latency', attributes: { rate: 1 } as never })).toThrow('toxic latency_downstream: attributes.rate is not an attribute of a latency toxic (it has latencyMs, jitterMs)');
    expect(() => resolveToxic({ type: 'bandwidth', toxicity: 1.2 })).toThrow('toxic bandwidth_downstream: toxicity must be a finite number >= 0 and <= 1, got 1.2');
    expect(() => resolveToxic({ type: 'nope' } as never)).toThrow("toxic: type must be one of 'latency', 'bandwidth', 'slowClose', 'timeout', 'resetPeer', 'slicer', 'limitData', got nope");
    expect(() => resolveToxic({ type: 'timeout', direction: 'sideways' } as never)).toThrow("toxic: direction must be one of 'upstream', 'downstream', got sideways");
    expect(() => resolveToxic({ type: 'slicer', attributes: { averageSize: 4, sizeVariation: 4 } })).toThrow('attributes.sizeVariation must be less than attributes.averageSize (4), got 4');
    expect(() => resolveToxic({ type: 'slicer', attributes: { averageSize: 0 } })).toThrow('attributes.averageSize must be an integer >= 1');
    expect(() => resolveToxic({ type: 'latency', name: 'has space' })).toThrow('toxic: name must be 1-100 letters, digits or . _ -, got "has space"');
  });

  it('patches keep what the patch does not name', () => {
    const toxic = resolveToxic({ type: 'latency', attributes: { latencyMs: 100, jitterMs: 10 } });
    expect(patchToxic(toxic, { attributes: { latencyMs: 300 }, toxicity: 0.25 })).toEqual({ ...toxic, toxicity: 0.25, attributes: { latencyMs: 300, jitterMs: 10 } });
    expect(() => patchToxic(toxic, { attributes: { bytes: 1 } })).toThrow('attributes.bytes is not an attribute of a latency toxic');
  });
});

describe('parseToxicFlag', () => {
  it('reads TYPE[:DIRECTION][:KEY=VALUE,...] with our attribute names or toxiproxy ones', () => {
    expect(parseToxicFlag('latency:downstream:latency=200,jitter=50')).toMatchObject({ type: 'latency', direction: 'downstream', attributes: { latencyMs: 200, jitterMs: 50 } });
    expect(parseToxicFlag('bandwidth:rate=64,toxicity=0.5,name=slow')).toMatchObject({ name: 'slow', direction: 'downstream', toxicity: 0.5, attributes: { kilobytesPerSecond: 64 } });
    expect(parseToxicFlag('resetPeer:upstream:timeout=100')).toMatchObject({ attributes: { delayMs: 100 } });
    expect(parseToxicFlag('slicer:upstream:averageSize=4,size_variation=2')).toMatchObject({ attributes: { averageSize: 4, sizeVariation: 2 } });
    expect(parseToxicFlag('timeout')).toMatchObject({ type: 'timeout', attributes: { timeoutMs: 0 } });
  });

  it('refuses what it cannot read, quoting it', () => {
    expect(() => parseToxicFlag('lag')).toThrow('--toxic type must be one of latency, bandwidth, slowClose, timeout, resetPeer, slicer, limitData, got "lag"');
    expect(() => parseToxicFlag('latency:downstream:latency')).toThrow('--toxic attribute must be KEY=VALUE, got "latency"');
    expect(() => parseToxicFlag('latency:downstream:latency=fast')).toThrow('--toxic latency must be a number, got "fast"');
    expect(() => parseToxicFlag('latency:a:b:c')).toThrow('--toxic must be TYPE[:DIRECTION][:KEY=VALUE,...]');
  });
});

describe('parseAddress', () => {
  it('reads :PORT and PORT as loopback, HOST:PORT and [IPv6]:PORT', () => {
    expect(parseAddress('listen', ':5433')).toEqual({ host: '127.0.0.1', port: 5433 });
    expect(parseAddress('listen', '5433')).toEqual({ host: '127.0.0.1', port: 5433 });
    expect(parseAddress('listen', 5433)).toEqual({ host: '127.0.0.1', port: 5433 });
    expect(parseAddress('upstream', 'db.local:5432', true)).toEqual({ host: 'db.local', port: 5432 });
    expect(parseAddress('upstream', '[::1]:6379', true)).toEqual({ host: '::1', port: 6379 });
    expect(formatAddress({ host: '::1', port: 6379 })).toBe('[::1]:6379');
  });

  it('refuses a missing host for an upstream, a bad port, and text that is no address', () => {
    expect(() => parseAddress('upstream', ':5432', true)).toThrow('upstream must name its host (HOST:PORT), got ":5432"');
    expect(() => parseAddress('listen', ':70000')).toThrow('listen port must be an integer >= 0 and <= 65535, got 70000');
    expect(() => parseAddress('upstream', 'db:0', true)).toThrow('upstream port must be an integer >= 1 and <= 65535, got 0');
    expect(() => parseAddress('listen', 'db')).toThrow('listen must be HOST:PORT (or :PORT), got "db"');
  });
});

describe('faultProxies', () => {
  it('holds proxies by name, refuses a second of the same name, and closes them all', async () => {
    const made: string[] = [];
    const proxies = faultProxies({ onCreated: (p) => made.push(p.name) });
    // 'a' is never enabled (it never listens) and nothing connects to the upstream: these ports are only text.
    await proxies.create({ name: 'a', listen: ':47830', upstream: '127.0.0.1:47831', enabled: false });
    await expect(proxies.create({ name: 'a', listen: ':47832', upstream: '127.0.0.1:47831' })).rejects.toThrow('faultProxies: a proxy named "a" exists');
    expect(proxies.list()).toEqual([{ name: 'a', listen: '127.0.0.1:47830', upstream: '127.0.0.1:47831', enabled: false, toxics: [], connections: 0 }]);
    expect(made).toEqual(['a']);
    expect(await proxies.remove('a')).toBe(true);
    expect(await proxies.remove('a')).toBe(false);
    await proxies.create({ name: 'b', listen: ':0', upstream: '127.0.0.1:47831' }); // listens: on a port the OS picks
    await proxies.close();
    expect(proxies.list()).toEqual([]);
  });
});
