/**
 * Slow clients, over a real socket: a body (or headers) dribbled a byte at a time is cut by the
 * server's request/headers timeout long before it would finish, with a 408, not held for minutes.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, fixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

interface Dribble {
  /** What the server answered before it closed the connection. */
  answer: string;
  /** Bytes of the dribbled part sent when the connection closed. */
  sent: number;
}

/** Sends `head` at once, then `tail` one byte every `everyMs`, until the server closes the connection. */
function dribble(port: number, head: string, tail: string, everyMs: number): Promise<Dribble> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < tail.length && socket.writable) socket.write(tail[sent++] as string);
      }, everyMs);
    });
  });
}

describe('slow clients', () => {
  it('a body that arrives slowly is cut by the request timeout with 408', async () => {
    f = await fixture({ app: { http: { timeouts: { headersMs: 500, requestMs: 1_000 } } } });
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (f.app.server.address() as { port: number }).port;
    const body = JSON.stringify({ reason: 'x'.repeat(2_000) });
    const head = `POST /api/gate/halt HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    // At 20 bytes a second the body would take 100 s.
    const result = await dribble(port, head, body, 50);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.sent).toBeLessThan(body.length);
    expect(f.gate.mode).toBe('active');
  }, 30_000);

  it('headers that arrive slowly are cut by the headers timeout with 408', async () => {
    f = await fixture({ app: { http: { timeouts: { headersMs: 500, requestMs: 1_000 } } } });
    await f.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (f.app.server.address() as { port: number }).port;
    const headers = `Host: 127.0.0.1:${port}\r\n${Array.from({ length: 200 }, (_, i) => `X-Pad-${i}: y`).join('\r\n')}\r\n\r\n`;
    const result = await dribble(port, 'GET /livez HTTP/1.1\r\n', headers, 50);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.sent).toBeLessThan(headers.length);
  }, 30_000);

  it('the defaults are set on the node server', async () => {
    f = await fixture();
    const server = f.app.server;
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(15_000);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(server.timeout).toBe(60_000);
  });
});
