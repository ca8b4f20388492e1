/**
 * What `bulwark bot` runs (see bot.ts), loaded only when it runs: the demo's sample bot as a process
 * of its own in a fleet, through the same wiring as the ops service.
 */
import { hostname } from 'node:os';
import type { BulwarkConfig } from '../../config/schema.js';
import { bulwarkVersion } from '../../core/version.js';
import { demoBot, type DemoBot } from '../../demo/bot.js';
import { deadLetters } from '../../dlq/dead-letters.js';
import { checkName } from '../../fleet/keys.js';
import { type FleetMember, joinFleet } from '../../fleet/member.js';
import { healthRegistry } from '../../health/registry.js';
import { createMetrics } from '../../observe/metrics.js';
import { bulkhead } from '../../policies/bulkhead.js';
import { pipeline } from '../../policies/pipeline.js';
import { timeout } from '../../policies/timeout.js';
import { type ConfiguredExchange, configuredExchange } from '../../server/configured-exchange.js';
import { fleetPrefixOf, openConfiguredStores } from '../../server/configured-stores.js';
import { loadConfigFile } from '../../server/configured.js';
import { resolveConfigSecrets } from '../../server/configured-secrets.js';
import { liveEvents } from '../../server/live-events.js';
import { configuredRegion } from '../../server/configured-region.js';
import { accountsOf } from '../../config/accounts.js';
import { BOT_COMMAND_DEFAULTS } from './bot.js';
import { type AccountDuty, accountDuty, leaseOf } from '../../server/account-duty.js';
import { integerFlag } from '../flags.js';

export interface BotCommandOptions {
  config: string;
  /** The instance's id in the fleet; host-pid by default. */
  instance?: string;
  /** Trade on this URL instead of `exchange.url` (the simulator of `bulwark sim --port N`). */
  exchangeUrl?: string;
  /** The account of `exchanges:` to trade on (required when the configuration names several). */
  account?: string;
  /** Time between the bot's ticks (ms). */
  tickMs?: number | string;
  out?: (line: string) => void;
}

export interface RunningBot {
  instance: string;
  bot: DemoBot;
  member: FleetMember;
  account: ConfiguredExchange;
  /** Stops trading, leaves the fleet and closes storage; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The configuration a bot runs with, and its account's name: the account named (`--account`, one
 * of `exchanges:`) or the only one; the URL given wins over its `url`; the service, not each bot,
 * cancels on halt.
 */
export function botConfig(full: BulwarkConfig, exchangeUrl: string | undefined, accountName?: string): { config: BulwarkConfig; name: string | undefined } {
  const accounts = accountsOf(full);
  let chosen = accounts[0];
  if (accountName !== undefined) {
    chosen = accounts.find((a) => a.name === accountName);
    if (!chosen) throw new TypeError(`--account: the configuration names no account "${accountName}" (accounts: ${accounts.map((a) => a.name).join(', ') || 'none'})`);
  } else if (accounts.length > 1) {
    throw new TypeError(`the configuration names ${accounts.length} accounts: give --account (${accounts.map((a) => a.name).join(', ')})`);
  }
  const config = chosen?.config ?? full;
  const name = full.exchanges ? chosen?.name : undefined;
  const exchange = { ...config.exchange, cancelOpenOrdersOnHalt: false };
  if (exchangeUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(exchangeUrl);
    } catch {
      throw new TypeError(`--exchange-url must be an http(s) URL, got ${JSON.stringify(exchangeUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`--exchange-url must be an http(s) URL, got ${JSON.stringify(exchangeUrl)}`);
    exchange.url = exchangeUrl;
    exchange.id ??= BOT_COMMAND_DEFAULTS.exchangeId;
    delete exchange.sandbox;
  }
  if (!exchange.id) throw new TypeError('the configuration names no exchange (exchange.id); set it or give --exchange-url');
  if (!config.storage.redisUrl) throw new TypeError('storage.redisUrl is not set: a bot joins its fleet over Redis');
  return { config: { ...config, exchange }, name };
}

export async function runBot(options: BotCommandOptions): Promise<RunningBot> {
  const out = options.out ?? ((line: string) => console.log(line));
  const instance = options.instance ?? `${hostname()}-${process.pid}`;
  checkName('bulwark bot', '--instance', instance);
  const tickMs = integerFlag('tick-ms', options.tickMs, BOT_COMMAND_DEFAULTS.tickMs, 1);
  const loaded = loadConfigFile(options.config);
  const chosen = botConfig(loaded.config, options.exchangeUrl, options.account);
  const { name } = chosen;

  const stores = await openConfiguredStores(chosen.config);
  const cleanups: Array<() => unknown> = [() => stores.close()];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    // `secret:NAME` credentials come from the deployment's encrypted store, as for the service.
    const config = await resolveConfigSecrets(chosen.config, stores.storage, { sources: loaded.sources });
    const redis = stores.redis!;
    const health = healthRegistry({ defaultIntervalMs: config.health.intervalMs, defaultTimeoutMs: config.health.timeoutMs });
    // The bot's own metrics are not served; the fleet snapshot is how it is watched.
    const metrics = createMetrics({ defaultMetrics: false });
    const account = await configuredExchange(config, { storage: stores.storage, metrics, health, events: liveEvents(), redis, ...(name !== undefined ? { name } : {}) });
    cleanups.push(() => account.close());
    // A bot of a region (`region:`): its gate stays reducing unless its region's ops service holds the trading lease.
    const region = configuredRegion(config, { storage: stores.storage, metrics, events: liveEvents(), gate: account.gate, follow: true });
    if (region) cleanups.push(() => region.close());
    health.start();
    cleanups.push(() => health.stop());

    const held: { duty?: AccountDuty } = {}; // made once the member is ready; the snapshot reads it
    const member = joinFleet({
      redis,
      instance,
      prefix: fleetPrefixOf(config),
      version: bulwarkVersion,
      gate: account.gate,
      breakers: { breakers: () => account.breakers },
      health,
      // This bot's own intents: the journal is the account's, shared with the other bots.
      orders: { counts: () => ownCounts(account, `${instance}-`) },
      duties: () => held.duty?.duties() ?? [],
      ...(config.fleet.maxDisconnectedMs !== undefined ? { maxDisconnectedMs: config.fleet.maxDisconnectedMs } : {}),
    });
    cleanups.push(() => member.leave());
    // The fleet-wide halt, if one holds, is applied before the first order.
    await member.ready;

    const bot = demoBot({
      exchange: account.exchange,
      orderPolicy: pipeline(timeout({ ms: BOT_COMMAND_DEFAULTS.orderTimeoutMs }), bulkhead({ maxConcurrent: 2, maxQueue: 4 })),
      deadLetters: deadLetters(stores.storage, { name: 'default' }),
      intentPrefix: instance,
      tickMs,
      ...(config.exchange.symbols?.[0] ? { symbol: config.exchange.symbols[0] } : {}),
    });
    // Its own intents, and the whole account's while it leads (a dead bot's intents still end).
    const duty = (held.duty = accountDuty(account, { redis, prefix: fleetPrefixOf(config), instance, ownPrefix: `${instance}-`, changed: () => member.publishSoon(), ...leaseOf(config) }));
    cleanups.push(() => duty.close());
    bot.start();
    cleanups.push(() => bot.stop());

    out(`Bulwark bot ${instance} (config ${options.config})`);
    out(`  exchange   ${account.exchange.id}${config.exchange.url ? ` at ${new URL(config.exchange.url).host}` : ''}; intents ${instance}-*`);
    out(`  fleet      ${fleetPrefixOf(config)}{default}; gate ${account.gate.mode}`);
    if (config.region) out(`  region     ${config.region.name}: trades while its ops service holds the lease ${region?.lease.lease}`);
    out('trading — Ctrl+C stops');

    let stopping: Promise<void> | undefined;
    return {
      instance,
      bot,
      member,
      account,
      stop: () => (stopping ??= runCleanups()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

/** Intent counts by state of the intents whose id starts with `prefix`. */
async function ownCounts(account: ConfiguredExchange, prefix: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [state, n] of Object.entries(await account.exchange.journal.countByState({ intentPrefix: prefix }))) if (n !== undefined) counts[state] = n;
  return counts;
}
