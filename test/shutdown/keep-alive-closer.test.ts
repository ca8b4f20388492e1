/**
 * keepAliveCloser over a real node HTTP server and a real keep-alive socket, on a ManualClock:
 * the stop leaves idle connections open for the grace, answers what still arrives with
 * `Connection: close`, and closes what stayed idle when the grace ends.
 */
import { createServer } from 'node:http';
import { type AddressInfo, Socket, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { keepAliveCloser } from '../../src/shutdown/keep-alive-closer.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function serve() {
  const server = createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.closeAllConnections());
  return { server, port: (server.address() as AddressInfo).port };
}

/** A raw keep-alive client: sends one request, resolves with the raw answer. */
function client(port: number) {
  const socket: Socket = connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  let data = '';
  let onData: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
    onData?.();
  });
  const ended = new Promise<'end' | 'reset'>((resolve) => {
    socket.on('end', () => resolve('end'));
    socket.on('error', () => resolve('reset'));
  });
  return {
    ended,
    get(): Promise<string> {
      data = '';
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      return new Promise((resolve) => (onData = () => (data.endsWith('ok') ? resolve(data) : undefined)));
    },
  };
}

describe('keepAliveCloser', () => {
  it('answers requests on open connections with Connection: close, and closes idle ones only after the grace', async () => {
    const { server, port } = await serve();
    const clock = new ManualClock(0);
    let stopped = 0;
    const closer = keepAliveCloser(server, { idleGraceMs: 1_000, clock, onStop: () => stopped++ });
    const busy = client(port);
    const idle = client(port);
    expect(await busy.get()).toMatch(/connection: keep-alive/i);
    expect(await idle.get()).toMatch(/connection: keep-alive/i);

    let closed = false;
    closer.close(() => (closed = true));
    closer.closeIdleConnections?.(); // what the shutdown calls next: must not cut them
    expect(stopped).toBe(1);
    expect(server.listening).toBe(false);

    // A request on an open connection is answered, and told to close.
    const answer = await busy.get();
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/connection: close/i);
    expect(await busy.ended).toBe('end');

    // The idle one is still open until the grace ends; then it is closed.
    await clock.advance(999);
    expect(closed).toBe(false);
    await clock.advance(1);
    expect(await idle.ended).toBe('end');
    if (!closed) await new Promise((resolve) => server.once('close', resolve));
    expect(closed).toBe(true);
  });

  it('calls back at once when nothing is connected', async () => {
    const { server } = await serve();
    const closer = keepAliveCloser(server, { clock: new ManualClock(0) });
    await new Promise<void>((resolve) => closer.close(() => resolve()));
    expect(server.listening).toBe(false);
  });
});
