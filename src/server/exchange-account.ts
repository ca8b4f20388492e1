/**
 * The exchange account a configuration names (`exchange:`): a ccxt client for its id, with its
 * credentials (from the configuration, the environment, or `credentialsFile`), on the sandbox or a
 * custom URL (e.g. the simulator of `bulwark sim`). Used by `bulwark start --config` and by
 * `bulwark config check` (which only calls the public endpoint, without credentials).
 */
import { readFileSync } from 'node:fs';
import ccxt, { type Exchange } from 'ccxt';
import { parse } from 'yaml';
import { type BulwarkConfig, endpointNameOf } from '../config/schema.js';
import type { EndpointSpec } from '../failover/types.js';
import { isPlainObject } from '../config/layers.js';
import { registerSecret } from '../core/secrets.js';
import { pointAtSimulator } from '../trading/sim/connect.js';

interface Credentials {
  apiKey?: string;
  secret?: string;
  password?: string;
}

/** Reads `credentialsFile`: a mapping with apiKey, secret and password (strings). Errors never quote the file's content. */
export function readCredentialsFile(path: string): Credentials {
  let parsed: unknown;
  try {
    parsed = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new TypeError(`exchange.credentialsFile: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ' (not YAML or JSON)'}`);
  }
  if (!isPlainObject(parsed)) throw new TypeError(`exchange.credentialsFile: ${path} must hold a mapping with apiKey and secret`);
  const out: Credentials = {};
  for (const key of ['apiKey', 'secret', 'password'] as const) {
    const value = parsed[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') throw new TypeError(`exchange.credentialsFile: ${key} in ${path} must be a non-empty string`);
    registerSecret(value);
    out[key] = value;
  }
  for (const key of Object.keys(parsed)) if (!['apiKey', 'secret', 'password'].includes(key)) throw new TypeError(`exchange.credentialsFile: unknown key "${key}" in ${path} (apiKey, secret, password)`);
  return out;
}

/**
 * A ccxt client for the configured account. `withCredentials: false` builds the public client the
 * deployment check uses. Throws naming `exchange.id` when ccxt does not know it.
 */
export function exchangeClient(config: BulwarkConfig, options: { withCredentials?: boolean } = {}): Exchange {
  const { id, sandbox, url } = config.exchange;
  if (!id) throw new TypeError('exchange.id is not set');
  const Class = (ccxt as unknown as Record<string, new (settings: object) => Exchange>)[id];
  if (!ccxt.exchanges.includes(id) || typeof Class !== 'function') throw new TypeError(`exchange.id: "${id}" is not an exchange ccxt knows (e.g. binance, kraken, okx)`);
  const fromFile = options.withCredentials !== false && config.exchange.credentialsFile ? readCredentialsFile(config.exchange.credentialsFile) : {};
  const credentials: Credentials = options.withCredentials === false ? {} : { ...fromFile, ...pick(config.exchange) };
  // Retries, timeouts and rate budgets are ours (resilientExchange); ccxt's own retry would hide failures from the breaker.
  const exchange = new Class({ ...credentials, enableRateLimit: false, timeout: config.policies.timeout.ms, options: { maxRetriesOnFailure: 0, warnOnFetchOpenOrdersWithoutSymbol: false } });
  if (sandbox) exchange.setSandboxMode(true);
  if (url) pointAtSimulator(exchange, url);
  return exchange;
}

/** The account's REST endpoints (`exchange.endpoints`) as failover endpoint specs; undefined when none are configured. */
export function endpointSpecsOf(config: BulwarkConfig): Array<EndpointSpec<string>> | undefined {
  return config.exchange.endpoints?.map((entry) =>
    typeof entry === 'string'
      ? { name: endpointNameOf(entry), target: entry }
      : { name: endpointNameOf(entry), target: entry.url, ...(entry.priority !== undefined ? { priority: entry.priority } : {}), ...(entry.weight !== undefined ? { weight: entry.weight } : {}) },
  );
}

function pick(e: BulwarkConfig['exchange']): Credentials {
  const out: Credentials = {};
  if (e.apiKey) out.apiKey = e.apiKey;
  if (e.secret) out.secret = e.secret;
  if (e.password) out.password = e.password;
  return out;
}

/**
 * Calls the exchange's public endpoint (server time, else the market list); resolves with what
 * answered. With `endpoints`, each one is called; the first that does not answer fails the probe,
 * named by its key and name.
 */
export async function probeExchange(config: BulwarkConfig): Promise<string> {
  // The credentials file is read (not used): a missing or malformed one fails the check, not the start.
  if (config.exchange.credentialsFile) readCredentialsFile(config.exchange.credentialsFile);
  const specs = endpointSpecsOf(config);
  if (!specs) return probeOne(exchangeClient(config, { withCredentials: false }), config.exchange.url ? ` at ${new URL(config.exchange.url).origin}` : config.exchange.sandbox ? ' (sandbox)' : '');
  const answers: string[] = [];
  for (const [i, spec] of specs.entries()) {
    try {
      answers.push(await probeOne(pointAtSimulator(exchangeClient(config, { withCredentials: false }), spec.target), ` at ${spec.name}`));
    } catch (error) {
      // Named under the account (the check puts the account's key, `exchange` or `exchanges.N`, in front).
      throw new Error(`endpoints.${i} (${spec.name}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return answers.join('; ');
}

async function probeOne(exchange: Exchange, where: string): Promise<string> {
  if (exchange.has.fetchTime) {
    const time = await exchange.fetchTime();
    return `${exchange.id}${where} answers (server time ${new Date(Number(time)).toISOString()})`;
  }
  const markets = await exchange.loadMarkets();
  return `${exchange.id}${where} answers (${Object.keys(markets).length} markets)`;
}
