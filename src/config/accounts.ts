/**
 * The exchange accounts of a configuration, one shape for both ways to write them: `exchange:`
 * (one account, named after its ccxt id) or `exchanges:` (several, each with its `name`). Each
 * comes with the configuration as that account sees it (`exchange` set to it), so code written
 * for one account (the ccxt client, the deployment check, a bot) serves each.
 */
import type { AccountConfig, BulwarkConfig } from './schema.js';

export interface ConfiguredAccount {
  /** Its name: the journal's `exchange` column, the API's `?name=`, the fleet's duty `orders:<name>`. */
  name: string;
  /** Where it is written, for messages: `exchange` or `exchanges.N`. */
  path: string;
  settings: AccountConfig & { id: string };
  /** The whole configuration with `exchange` set to this account. */
  config: BulwarkConfig;
}

/** Every account the configuration names, in order; none when it names no exchange. */
export function accountsOf(config: BulwarkConfig): ConfiguredAccount[] {
  if (config.exchanges) {
    return config.exchanges.map(({ name, ...settings }, i) => ({ name, path: `exchanges.${i}`, settings, config: { ...config, exchange: settings } }));
  }
  const { id } = config.exchange;
  return id ? [{ name: id, path: 'exchange', settings: { ...config.exchange, id }, config }] : [];
}
