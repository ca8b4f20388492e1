/**
 * Which addresses the ops server may listen on. The ops API halts trading, isolates breakers and
 * restores backups, and this release has no authentication: it listens on loopback only, and
 * anything else is refused at check time and at start rather than exposed.
 */
import { isIP } from 'node:net';

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback (`::ffff:127.x.y.z`). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

/** Why `host` is refused, or undefined when it may be used. */
export function bindRefusal(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  return `refusing to listen on ${host}: it is not a loopback address and no authentication is configured (the ops API can halt trading and restore backups; authentication comes in a later release). Use 127.0.0.1 or ::1, and reach the server through an SSH tunnel or an authenticating proxy`;
}
