/**
 * Which addresses the ops server may listen on. The ops API halts trading, isolates breakers and
 * restores backups: without authentication it listens on loopback only, and anything else is
 * refused at check time and at start rather than exposed. With authentication required
 * (`security.auth.enabled: true`) any address may be used; demo mode stays on loopback.
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

/** Why `host` is refused, or undefined when it may be used; `authenticated`: every request needs a token or a session. */
export function bindRefusal(host: string, authenticated = false): string | undefined {
  if (authenticated || isLoopbackHost(host)) return undefined;
  return `refusing to listen on ${host}: it is not a loopback address and no authentication is configured (the ops API can halt trading and restore backups): set security.auth.enabled: true and create a token with \`bulwark token create --role admin\`. Use 127.0.0.1 or ::1 otherwise`;
}
