/**
 * The fault proxy against a local echo server, each toxic on its own. Delays are timed by a
 * ManualClock: the test waits for bytes to reach the proxy (its `received` event), then moves the
 * clock and checks what the proxy has planned and written, never the wall clock.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { faultProxy, type FaultProxy, type FaultProxyOptions } from '../../../src/chaos/proxy/fault-proxy.js';
import { freePort } from '../../support/ports.js';
import { client, echoServer, type EchoServer, eventually, next, receivedBytes } from './net-helpers.js';

// The echo server and every proxy listen on a port the OS picks (port 0): a fixed one can be taken.
let echo: EchoServer;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  echo = await echoServer();
});
afterAll(async () => echo.close());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function proxy(options: Partial<FaultProxyOptions> = {}): Promise<FaultProxy> {
  const p = await faultProxy({ listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, ...options });
  proxies.push(p);
  return p;
}

const pending = (p: FaultProxy, direction: 'upstream' | 'downstream') => p.connections()[0]?.pending[direction];

describe('latency', () => {
  it('holds each chunk latencyMs after it reached the proxy, in the direction named', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'latency', direction: 'downstream', attributes: { latencyMs: 200 } }] });
    const c = await client(p.listen.port);
    const back = receivedBytes(p, 'downstream', 5);
    c.socket.write('hello');
    await back; // the upstream way has no toxic: the echo came straight back to the proxy
    expect(pending(p, 'downstream')).toEqual({ steps: 1, bytes: 5 });
    await clock.advance(199);
    expect(pending(p, 'downstream')).toEqual({ steps: 1, bytes: 5 });
    expect(c.data().length).toBe(0);
    await clock.advance(1);
    expect(pending(p, 'downstream')).toEqual({ steps: 0, bytes: 0 });
    expect((await c.bytes(5)).toString()).toBe('hello');
  });

  it('adds up to jitterMs either way, drawn from the random source', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, random: () => 0, toxics: [{ type: 'latency', attributes: { latencyMs: 200, jitterMs: 50 } }] });
    const c = await client(p.listen.port);
    const back = receivedBytes(p, 'downstream', 2);
    c.socket.write('hi');
    await back;
    await clock.advance(149);
    expect(pending(p, 'downstream')?.bytes).toBe(2);
    await clock.advance(1); // random 0 → latency - jitter
    expect((await c.bytes(2)).toString()).toBe('hi');
  });

  it('applies to data read after it is added, updated or removed on an open connection', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock });
    const c = await client(p.listen.port);
    c.socket.write('a');
    await c.bytes(1); // no toxic yet: straight through
    p.addToxic({ name: 'slow', type: 'latency', attributes: { latencyMs: 100 } });
    let back = receivedBytes(p, 'downstream', 1);
    c.socket.write('b');
    await back;
    expect(pending(p, 'downstream')?.bytes).toBe(1);
    await clock.advance(100);
    expect((await c.bytes(2)).toString()).toBe('ab');
    p.updateToxic('slow', { attributes: { latencyMs: 300 } });
    back = receivedBytes(p, 'downstream', 1);
    c.socket.write('c');
    await back;
    await clock.advance(299);
    expect(pending(p, 'downstream')?.bytes).toBe(1);
    await clock.advance(1);
    expect((await c.bytes(3)).toString()).toBe('abc');
    expect(p.removeToxic('slow')).toBe(true);
    c.socket.write('d');
    expect((await c.bytes(4)).toString()).toBe('abcd');
  });

  it('in the upstream direction delays what the server reads, not what it answers', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'latency', direction: 'upstream', attributes: { latencyMs: 50 } }] });
    const c = await client(p.listen.port);
    const there = receivedBytes(p, 'upstream', 3);
    c.socket.write('abc');
    await there;
    expect(pending(p, 'upstream')?.bytes).toBe(3);
    await clock.advance(50);
    expect((await c.bytes(3)).toString()).toBe('abc');
    expect(pending(p, 'downstream')?.bytes).toBe(0);
  });
});

describe('bandwidth', () => {
  it('lets bytes leave no faster than kilobytesPerSecond, a tenth of a second at a time', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'bandwidth', attributes: { kilobytesPerSecond: 1 } }] });
    const c = await client(p.listen.port);
    const back = receivedBytes(p, 'downstream', 512);
    c.socket.write(Buffer.alloc(512, 7));
    await back;
    expect(pending(p, 'downstream')?.bytes).toBe(512);
    await clock.advance(99);
    expect(pending(p, 'downstream')?.bytes).toBe(512);
    await clock.advance(1); // 102 bytes = a tenth of 1 KiB/s
    expect(pending(p, 'downstream')?.bytes).toBe(410);
    await clock.advance(400);
    expect(pending(p, 'downstream')?.bytes).toBe(0);
    expect((await c.bytes(512)).length).toBe(512);
  });

  it('pauses the sending side instead of buffering without bound', async () => {
    const clock = new ManualClock();
    const highWaterMark = 4096;
    const p = await proxy({ clock, highWaterMark, toxics: [{ type: 'bandwidth', direction: 'upstream', attributes: { kilobytesPerSecond: 1 } }] });
    const c = await client(p.listen.port);
    const total = 8 * 1024 * 1024;
    c.socket.write(Buffer.alloc(total, 1));
    // Without the pause the proxy would read all 8 MiB at loopback speed; with it, it stops after the high-water mark.
    await eventually(() => (p.connections()[0]?.pending.upstream.bytes ?? 0) > highWaterMark);
    const read = (): number => p.connections()[0]?.bytes.upstream ?? 0;
    const atPause = read();
    await new Promise((resolve) => setTimeout(resolve, 100)); // real sockets: give a runaway reader the time to show itself
    expect(read()).toBe(atPause);
    expect(read()).toBeLessThan(total);
    expect(p.connections()[0]?.pending.upstream.bytes).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
    c.socket.destroy();
  });
});

describe('slowClose', () => {
  it('passes the end of stream on delayMs late', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'slowClose', attributes: { delayMs: 300 } }] });
    const c = await client(p.listen.port);
    const serverEnded = next(p, 'received', (e) => e.direction === 'downstream' && e.end);
    c.socket.end(); // the echo server ends when its client does
    await serverEnded;
    expect(pending(p, 'downstream')?.steps).toBe(1);
    await clock.advance(299);
    expect(pending(p, 'downstream')?.steps).toBe(1);
    expect(c.ended).toBe(false);
    await clock.advance(1);
    await eventually(() => c.ended);
  });
});

describe('timeout', () => {
  it('with timeoutMs 0 swallows data and never answers; removing it closes the connection it corrupted', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ name: 'hold', type: 'timeout', attributes: { timeoutMs: 0 } }] });
    const c = await client(p.listen.port);
    const back = receivedBytes(p, 'downstream', 4);
    c.socket.write('ping');
    await back;
    expect(pending(p, 'downstream')).toEqual({ steps: 0, bytes: 0 });
    await clock.advance(3_600_000);
    expect(p.connections()).toHaveLength(1);
    const closed = next(p, 'connectionClosed');
    p.removeToxic('hold');
    expect((await closed).reason).toBe('toxic-removed');
    await c.closedPromise;
    expect(c.data().length).toBe(0);
  });

  it('with timeoutMs closes the connection that long after the last data', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'timeout', direction: 'upstream', attributes: { timeoutMs: 1_000 } }] });
    const c = await client(p.listen.port);
    const there = receivedBytes(p, 'upstream', 1);
    c.socket.write('x');
    await there;
    await clock.advance(999);
    expect(p.connections()).toHaveLength(1);
    const closed = next(p, 'connectionClosed');
    await clock.advance(1);
    expect((await closed).reason).toBe('timeout');
    await c.closedPromise;
    expect(echo.received.at(-1)?.length).toBe(0);
  });
});

describe('resetPeer', () => {
  it('resets both sides delayMs after data arrives: the client sees ECONNRESET', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'resetPeer', direction: 'upstream', attributes: { delayMs: 100 } }] });
    const c = await client(p.listen.port);
    const there = receivedBytes(p, 'upstream', 1);
    c.socket.write('x');
    await there;
    await clock.advance(99);
    expect(p.connections()).toHaveLength(1);
    const closed = next(p, 'connectionClosed');
    await clock.advance(1);
    expect((await closed).reason).toBe('reset-peer');
    await c.closedPromise;
    expect(c.error?.code).toBe('ECONNRESET');
  });
});

describe('slicer', () => {
  it('cuts data into pieces of averageSize, delayMs apart', async () => {
    const clock = new ManualClock();
    const p = await proxy({ clock, toxics: [{ type: 'slicer', direction: 'upstream', attributes: { averageSize: 4, delayMs: 10 } }] });
    const c = await client(p.listen.port);
    const there = receivedBytes(p, 'upstream', 10);
    c.socket.write('abcdefghij');
    await there;
    const server = (): string => echo.received.at(-1)?.toString() ?? '';
    await eventually(() => server() === 'abcd');
    expect(pending(p, 'upstream')).toEqual({ steps: 2, bytes: 6 });
    await clock.advance(10);
    await eventually(() => server() === 'abcdefgh');
    await clock.advance(10);
    await eventually(() => server() === 'abcdefghij');
    expect((await c.bytes(10)).toString()).toBe('abcdefghij');
  });

  it('delivers every byte in order whatever the sizes drawn', async () => {
    const p = await proxy({ seed: 7, toxics: [{ type: 'slicer', attributes: { averageSize: 100, sizeVariation: 90 } }, { type: 'slicer', direction: 'upstream', attributes: { averageSize: 7, sizeVariation: 5 } }] });
    const c = await client(p.listen.port);
    const payload = randomBytes(200_000);
    c.socket.write(payload);
    expect((await c.bytes(payload.length)).equals(payload)).toBe(true);
  });
});

describe('limitData', () => {
  it('lets `bytes` through, then closes the connection', async () => {
    const p = await proxy({ toxics: [{ type: 'limitData', direction: 'upstream', attributes: { bytes: 10 } }] });
    const c = await client(p.listen.port);
    const closed = next(p, 'connectionClosed');
    c.socket.write('0123456789abcdefghijklmno');
    expect((await closed).reason).toBe('limit-data');
    await c.closedPromise;
    expect(echo.received.at(-1)?.toString()).toBe('0123456789');
  });
});

describe('toxicity', () => {
  it('is drawn per connection from the random source: 0 never, 1 always, a share by the draw', async () => {
    const draws = [0.2, 0.7];
    const p = await proxy({ random: () => draws.shift() ?? 0.99, toxics: [{ name: 'half', type: 'latency', toxicity: 0.5 }] });
    const first = await client(p.listen.port);
    await eventually(() => p.connections().length === 1);
    const second = await client(p.listen.port);
    await eventually(() => p.connections().length === 2);
    expect(p.connections().map((c) => c.toxics)).toEqual([['half'], []]);
    p.addToxic({ name: 'never', type: 'latency', toxicity: 0 });
    p.addToxic({ name: 'always', type: 'slowClose', toxicity: 1 });
    expect(p.connections().map((c) => c.toxics)).toEqual([['half', 'always'], ['always']]);
    first.socket.destroy();
    second.socket.destroy();
  });
});

describe('the proxy', () => {
  it('disabled refuses connections and drops the open ones; enabled again it serves on the same port', async () => {
    const p = await proxy();
    const c = await client(p.listen.port);
    const states: boolean[] = [];
    p.on('stateChange', (e) => states.push(e.enabled));
    await p.disable();
    await c.closedPromise;
    expect(p.enabled).toBe(false);
    await expect(client(p.listen.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await p.enable();
    const again = await client(p.listen.port);
    again.socket.write('ok');
    expect((await again.bytes(2)).toString()).toBe('ok');
    expect(states).toEqual([false, true]);
    again.socket.destroy();
  });

  it('close() ends every connection and stops listening', async () => {
    const p = await proxy();
    const a = await client(p.listen.port);
    const b = await client(p.listen.port);
    await eventually(() => p.connections().length === 2);
    const reasons: string[] = [];
    p.on('connectionClosed', (e) => reasons.push(e.reason));
    await p.close();
    await Promise.all([a.closedPromise, b.closedPromise]);
    expect(reasons).toEqual(['proxy-closed', 'proxy-closed']);
    await expect(client(p.listen.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('closes the client when the upstream cannot be reached', async () => {
    // A port nobody listened on a moment ago (another process could take it in between: a tiny race).
    const p = await proxy({ upstream: `127.0.0.1:${await freePort()}` });
    const closed = next(p, 'connectionClosed');
    const c = await client(p.listen.port);
    expect((await closed).reason).toBe('upstream-unreachable');
    await c.closedPromise;
  });

  it('refuses a second toxic of the same name, and updates of an unknown one, naming it', async () => {
    const p = await proxy();
    p.addToxic({ type: 'latency' });
    expect(() => p.addToxic({ type: 'latency' })).toThrow('a toxic named "latency_downstream" exists');
    expect(() => p.updateToxic('nope', { toxicity: 0.5 })).toThrow('no toxic named "nope"');
    expect(p.removeToxic('nope')).toBe(false);
  });
});
