/** Small real-socket helpers for the fault proxy's tests: an echo server, a client that collects what it reads. */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import type { FaultProxy, FaultProxyEvents } from '../../../src/chaos/proxy/fault-proxy.js';

export interface EchoServer {
  port: number;
  /** Every byte the server read, per connection, in order. */
  readonly received: Buffer[];
  readonly sockets: Socket[];
  close(): Promise<void>;
}

/** A server that writes back what it reads and ends when its client ends; on a port the OS picks unless told one. */
export async function echoServer(port = 0): Promise<EchoServer> {
  const received: Buffer[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    const index = received.push(Buffer.alloc(0)) - 1;
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index] as Buffer, chunk]);
    });
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Client {
  socket: Socket;
  /** Everything read so far. */
  data(): Buffer;
  ended: boolean;
  closed: boolean;
  error: NodeJS.ErrnoException | undefined;
  /** Resolves once at least `bytes` were read. */
  bytes(bytes: number): Promise<Buffer>;
  /** Resolves when the socket closed. */
  closedPromise: Promise<void>;
}

export async function client(port: number): Promise<Client> {
  const socket = connect({ port, host: '127.0.0.1' });
  let data = Buffer.alloc(0);
  const waiters: Array<() => void> = [];
  const c: Client = {
    socket,
    data: () => data,
    ended: false,
    closed: false,
    error: undefined,
    bytes: (n) =>
      new Promise<Buffer>((resolve) => {
        const check = (): void => {
          if (data.length >= n) resolve(data);
          else waiters.push(check);
        };
        check();
      }),
    closedPromise: new Promise<void>((resolve) => socket.once('close', () => resolve())),
  };
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    for (const w of waiters.splice(0)) w();
  });
  socket.on('end', () => (c.ended = true));
  socket.on('close', () => (c.closed = true));
  socket.on('error', (error: NodeJS.ErrnoException) => (c.error = error));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return c;
}

/** Resolves with the next event of `name` that `match` accepts. */
export function next<K extends keyof FaultProxyEvents & string>(proxy: FaultProxy, name: K, match: (event: FaultProxyEvents[K]) => boolean = () => true): Promise<FaultProxyEvents[K]> {
  return new Promise((resolve) => {
    const off = proxy.on(name, (event) => {
      if (!match(event)) return;
      off();
      resolve(event);
    });
  });
}

/** Resolves when the proxy has read `bytes` in all from `direction` (counting from now). */
export function receivedBytes(proxy: FaultProxy, direction: 'upstream' | 'downstream', bytes: number): Promise<void> {
  let seen = 0;
  return next(proxy, 'received', (e) => e.direction === direction && (seen += e.bytes) >= bytes).then(() => undefined);
}

/** Resolves when `until()` holds, checked every millisecond while real sockets settle (not a wait on a policy). */
export async function eventually(until: () => boolean, turns = 5_000): Promise<void> {
  for (let i = 0; i < turns; i += 1) {
    if (until()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('condition not reached');
}
