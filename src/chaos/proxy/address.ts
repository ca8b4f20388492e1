/**
 * Addresses as people type them: `:5433` or `5433` (loopback), `0.0.0.0:5433`, `db.local:5432`,
 * `[::1]:5432`. Errors name the option and show what was typed.
 */

import { checkInteger } from '../../core/option-checks.js';

export interface HostPort {
  host: string;
  port: number;
}

export const ADDRESS_DEFAULTS = {
  host: '127.0.0.1', // a fault proxy listens on loopback unless asked: it is a testing tool, not a relay
} as const;

/** `text` as a host and a port; `requireHost` refuses `:P` (an upstream must name its host). */
export function parseAddress(option: string, text: string | number | HostPort, requireHost = false): HostPort {
  if (typeof text === 'object' && text !== null) return checked(option, text.host ?? ADDRESS_DEFAULTS.host, text.port, text, requireHost);
  const value = String(text).trim();
  const match = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(value);
  if (!match) throw new RangeError(`${option} must be HOST:PORT (or :PORT), got ${JSON.stringify(value)}`);
  const host = match[1] ?? match[2] ?? '';
  return checked(option, host === '' ? (requireHost ? '' : ADDRESS_DEFAULTS.host) : host, Number(match[3]), value, requireHost);
}

function checked(option: string, host: string, port: number, given: unknown, requireHost: boolean): HostPort {
  if (requireHost && host === '') throw new RangeError(`${option} must name its host (HOST:PORT), got ${JSON.stringify(given)}`);
  checkInteger('', `${option} port`, port, requireHost ? 1 : 0, false, 65_535);
  return { host, port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
