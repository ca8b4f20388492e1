/**
 * The Host header allow-list, against DNS rebinding: a page on `attacker.example` whose name
 * later resolves to 127.0.0.1 reaches the server with `Host: attacker.example`, and is refused
 * here, before any handler runs. Accepted: the bind host, `localhost`, `127.0.0.1` and `[::1]`
 * on the port the server listens on, the IP addresses of this machine's interfaces (an address
 * cannot be rebound, and a probe or scraper reaching a server bound to 0.0.0.0 names one), and each
 * name of `security.http.allowedHosts` (`name` for any port, `name:port` for one). `/livez` and
 * `/readyz` answer whatever the Host: they reveal nothing, and orchestrators' probes send their own.
 */
import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { problem } from './routes/errors.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const PROBES = new Set(['/livez', '/readyz']);

/** `name` and `port` of a Host header value (`[::1]:8080`, `example.org`), lower-cased; undefined when malformed. */
export function splitHost(value: string): { name: string; port: string | undefined } | undefined {
  const host = value.trim().toLowerCase();
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(host);
  if (!match) return undefined;
  return { name: match[1] as string, port: match[2] };
}

export interface HostCheck {
  /** Whether a Host header value is accepted by a server listening on `port` (undefined when not listening). */
  allows(value: string | undefined, port: number | undefined, bindHost: string | undefined): boolean;
}

/** This machine's interface addresses as Host names (`10.0.0.5`, `[fe80::1]`). */
function interfaceHosts(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((i) => (i.family === 'IPv6' ? `[${i.address.split('%')[0]!.toLowerCase()}]` : i.address));
}

export function hostCheck(allowedHosts: readonly string[], ownAddresses: readonly string[] = interfaceHosts()): HostCheck {
  const anyPort = new Set<string>();
  const exact = new Set<string>();
  for (const entry of allowedHosts) {
    const parts = splitHost(entry);
    if (!parts) throw new RangeError(`security.http.allowedHosts: "${entry}" is not a host name or host:port`);
    if (parts.port === undefined) anyPort.add(parts.name);
    else exact.add(`${parts.name}:${parts.port}`);
  }
  return {
    allows(value, port, bindHost) {
      if (value === undefined) return false;
      const parts = splitHost(value);
      if (!parts) return false;
      if (anyPort.has(parts.name) || exact.has(`${parts.name}:${parts.port ?? ''}`)) return true;
      const own = [...LOOPBACK_NAMES, ...ownAddresses];
      if (bindHost !== undefined && !WILDCARDS.has(bindHost)) own.push(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost.toLowerCase());
      if (!own.includes(parts.name)) return false;
      // Not listening (fastify inject): any port. Listening: the Host must name our port.
      return port === undefined || parts.port === String(port);
    },
  };
}

/** Adds the check as the first onRequest hook: a forged Host gets 421 before authentication or any handler. */
export function allowHosts(app: FastifyInstance, allowedHosts: readonly string[]): void {
  const check = hostCheck(allowedHosts);
  app.addHook('onRequest', async (request, reply) => {
    if (PROBES.has(request.url.split('?')[0] as string)) return;
    const address = app.server.address();
    const listening = typeof address === 'object' && address !== null ? address : undefined;
    if (check.allows(request.headers.host, listening?.port, listening?.address)) return;
    return problem(reply, 421, `headers.host: "${String(request.headers.host ?? '').slice(0, 100)}" is not a host this server answers for; add it to security.http.allowedHosts`);
  });
}
