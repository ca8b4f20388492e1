/**
 * One HTTP listener in front of the simulator: it reads a request, hands it to a handler (the
 * router, or an endpoint's faults and then the router) and writes the reply, holding it for the
 * reply's `delayMs` on the simulator's clock. It can stop listening (an outage: new connections are
 * refused and open ones cut) and listen again on the same port. `startSimServer` is one front; the
 * simulator's endpoints (endpoints.ts) are several fronts of one router.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { SimReply, SimRequest } from './router.js';

export interface HttpFront {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** Whether it accepts connections now. */
  readonly listening: boolean;
  /** Stops accepting connections and cuts the open ones. Idempotent. */
  stopListening(): Promise<void>;
  /** Listens again on the same port. Idempotent. */
  listenAgain(): Promise<void>;
}

/** Listens on `host:port` (0: a free port) and resolves once it does. */
export async function startHttpFront(handle: (request: SimRequest) => Promise<SimReply>, options: { host: string; port: number; clock: Clock }): Promise<HttpFront> {
  const { host, clock } = options;
  const server: Server = createServer((req, res) => {
    (async () => {
      const body = await readBody(req);
      const reply = await handle({ method: req.method ?? 'GET', url: req.url ?? '/', body });
      if (reply.kind === 'drop') {
        // The order is booked; the client never hears of it.
        req.socket.destroy();
        return;
      }
      if (reply.delayMs > 0) await clock.sleep(reply.delayMs);
      if (res.destroyed) return;
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    })().catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: -1000, msg: String(error) }));
      }
    });
  });
  const listen = (on: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const unlisten = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  await listen(options.port);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    get listening() {
      return server.listening;
    },
    stopListening: async () => {
      if (server.listening) await unlisten();
    },
    listenAgain: async () => {
      if (!server.listening) await listen(port);
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
