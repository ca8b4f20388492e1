/** Ports for servers a test starts that cannot listen on port 0 themselves (they must be told a port). */
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 nobody listens on right now (the OS picks it; closed again before use). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
