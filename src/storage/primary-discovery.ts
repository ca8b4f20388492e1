/**
 * Primary discovery: of a PostgreSQL cluster's hosts, the primary is the one that is not in
 * recovery (`pg_is_in_recovery()` is false). Every host is asked at once on a connection of its own;
 * the first host, in the order given, that answers as the primary wins. Two hosts answering as
 * primary (a split brain the cluster manager has not fenced yet) are reported through the logger
 * and the first is used: fencing is the cluster manager's job (Patroni, pg_auto_failover...).
 */
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { loadPeer } from '../core/peer.js';
import { sanitizeText } from '../core/secrets.js';
import { NoPrimaryError } from './errors.js';
import type { StorageLogger } from './types.js';

export interface PrimaryDiscoveryOptions {
  /** How long to wait for each host's connection. */
  connectionTimeoutMs: number;
  ssl: boolean | ConnectionOptions;
  logger: StorageLogger;
}

export interface PostgresHost {
  /** `host:port`, shown in events and errors. */
  name: string;
  connectionString: string;
}

/** What one host said: `primary`, `standby`, or the reason it could not be asked. */
export type HostRole = { role: 'primary' | 'standby' } | { role: 'unreachable'; error: string };

/** Asks one host whether it is in recovery, on a connection opened and closed for the question. */
export async function hostRole(host: PostgresHost, options: Omit<PrimaryDiscoveryOptions, 'logger'>): Promise<HostRole> {
  const client = new (loadPeer<typeof pg>('pg', 'primary discovery').Client)({
    connectionString: host.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    ssl: options.ssl,
    application_name: 'bulwark-discovery',
  });
  client.on('error', () => undefined); // a connection lost after the answer: nothing left to do with it
  try {
    await client.connect();
    const { rows } = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
    return { role: rows[0]?.in_recovery === false ? 'primary' : 'standby' };
  } catch (error) {
    return { role: 'unreachable', error: sanitizeText(error instanceof Error ? error.message : String(error)) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The host that answers as the primary; rejects with `NoPrimaryError` (what each host said) when none does. */
export async function discoverPrimary(hosts: readonly PostgresHost[], options: PrimaryDiscoveryOptions): Promise<PostgresHost> {
  const roles = await Promise.all(hosts.map((host) => hostRole(host, options)));
  const primaries = hosts.filter((_, i) => roles[i]?.role === 'primary');
  if (primaries.length > 1) {
    options.logger.warn('several PostgreSQL hosts answer as primary; writing to the first listed', { hosts: primaries.map((h) => h.name) });
  }
  const primary = primaries[0];
  if (primary) return primary;
  throw new NoPrimaryError(hosts.map((host, i) => {
    const said = roles[i];
    return { host: host.name, state: said === undefined ? 'not asked' : said.role === 'unreachable' ? `unreachable (${said.error})` : said.role };
  }));
}
