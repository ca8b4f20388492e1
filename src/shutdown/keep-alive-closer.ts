/**
 * Closing an HTTP/1.1 server under keep-alive load without resetting a connection.
 *
 * Node's `server.close()` stops listening and destroys every idle keep-alive connection at once.
 * A client that wrote a request on such a connection a moment before sees ECONNRESET: the request
 * is lost and it cannot tell whether it ran. `keepAliveCloser(server)` closes in steps instead:
 *  1. stop listening (new connections are refused: ECONNREFUSED, which a client knows never reached us);
 *  2. every response not yet started, and every request that still arrives on an open connection,
 *     is answered normally with `Connection: close`, so the client closes that connection after
 *     reading the answer: requests in flight finish, nothing is cut;
 *  3. connections that stay idle for `idleGraceMs` are closed then (a client idle that long is not
 *     about to write);
 *  4. `close(callback)` calls back once the last connection is gone; the caller's drain deadline
 *     (`closeAllConnections()`) still bounds a request that never ends.
 * Long-lived responses (Server-Sent Events) should be ended by their owner when the stop begins
 * (`onStop`), or they hold the drain until its deadline.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { type Clock, setTimerOn, systemClock } from '../core/clock.js';
import { checkNumber } from '../core/option-checks.js';
import type { StoppableServer } from './shutdown.js';

export interface KeepAliveCloserOptions {
  /** Idle connections are closed after this long without a request once the stop began. */
  idleGraceMs?: number;
  /** Called when the stop begins, before anything closes (e.g. end event streams). */
  onStop?: () => void;
  clock?: Clock;
}

export const KEEP_ALIVE_CLOSER_DEFAULTS = {
  // A keep-alive client busy enough to race the close sends within a second; one idle longer is not about to.
  idleGraceMs: 1_000,
  clock: systemClock as Clock,
};

export function keepAliveCloser(server: HttpServer, options: KeepAliveCloserOptions = {}): StoppableServer {
  const idleGraceMs = options.idleGraceMs ?? KEEP_ALIVE_CLOSER_DEFAULTS.idleGraceMs;
  checkNumber('keepAliveCloser', 'idleGraceMs', idleGraceMs, 0);
  const clock = options.clock ?? KEEP_ALIVE_CLOSER_DEFAULTS.clock;
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse>();
  let stopping = false;

  const closeAfter = (res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // First in line, so the header is set before the application's handler can answer.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    if (stopping) closeAfter(res);
  });

  return {
    close(callback) {
      if (stopping) {
        callback?.();
        return;
      }
      stopping = true;
      options.onStop?.();
      for (const res of open) closeAfter(res);
      // net.Server's close: stop listening, leave the open connections alone (http.Server's also cuts idle ones).
      NetServer.prototype.close.call(server, () => callback?.());
      if (sockets.size > 0) {
        const cancel = setTimerOn(clock, idleGraceMs, () => server.closeIdleConnections());
        server.once('close', cancel);
      }
    },
    // Idle connections are closed after the grace, not at once.
    closeIdleConnections() {},
    closeAllConnections() {
      server.closeAllConnections();
    },
  };
}
