/**
 * `bulwark bot --config FILE [--instance NAME] [--exchange-url URL]`: the demo's sample bot as a
 * process of its own in a fleet. It trades on the exchange account the configuration names (or on
 * the URL given, e.g. `bulwark sim --port N`) through the same wiring as the ops service
 * (`configuredExchange`: resilientExchange, its gate, breakers, rate budget in Redis, the journal in
 * the configured storage, the order follower), and joins the fleet on `storage.redisUrl`, so the ops
 * service lists it at /api/instances and its halt stops it. Intent ids start with the instance name,
 * so bots sharing one PostgreSQL journal never collide. SIGINT/SIGTERM: stop trading, leave the
 * fleet, close storage. Each bot follows its own intents; the one elected leader of the account
 * follows them all (account-duty.ts).
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
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
import { liveEvents } from '../../server/live-events.js';
import { type AccountDuty, accountDuty, leaseOf } from '../../server/account-duty.js';

export interface BotCommandOptions {
  config: string;
  /** The instance's id in the fleet; host-pid by default. */
  instance?: string;
  /** Trade on this URL instead of `exchange.url` (the simulator of `bulwark sim --port N`). */
  exchangeUrl?: string;
  /** Time between the bot's ticks (ms). */
  tickMs?: number | string;
  out?: (line: string) => void;
}

export const BOT_COMMAND_DEFAULTS = {
  // The simulator's exchange when only a URL is given: `bulwark sim` speaks Binance spot.
  exchangeId: 'binance',
  // The sample bot's pace: one order attempt a second keeps the dashboard moving.
  tickMs: 1_000,
  // An order waits at most this long in the bot's own policies (the exchange's retries are inside).
  orderTimeoutMs: 4_000,
} as const;

export interface RunningBot {
  instance: string;
  bot: DemoBot;
  member: FleetMember;
  account: ConfiguredExchange;
  /** Stops trading, leaves the fleet and closes storage; safe to call twice. */
  stop(): Promise<void>;
}

/** The configuration a bot runs with: the URL given wins over `exchange.url`; the service, not each bot, cancels on halt. */
export function botConfig(config: BulwarkConfig, exchangeUrl: string | undefined): BulwarkConfig {
  const exchange = { ...config.exchange, cancelOpenOrdersOnHalt: false };
  if (exchangeUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(exchangeUrl);
    } catch {
      throw new TypeError(`bulwark bot: --exchange-url must be an http(s) URL, got ${JSON.stringify(exchangeUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`bulwark bot: --exchange-url must be an http(s) URL, got ${JSON.stringify(exchangeUrl)}`);
    exchange.url = exchangeUrl;
    exchange.id ??= BOT_COMMAND_DEFAULTS.exchangeId;
    delete exchange.sandbox;
  }
  if (!exchange.id) throw new TypeError('bulwark bot: the configuration names no exchange (exchange.id); set it or give --exchange-url');
  if (!config.storage.redisUrl) throw new TypeError('bulwark bot: storage.redisUrl is not set: a bot joins its fleet over Redis');
  return { ...config, exchange };
}

export async function runBot(options: BotCommandOptions): Promise<RunningBot> {
  const out = options.out ?? ((line: string) => console.log(line));
  const instance = options.instance ?? `${hostname()}-${process.pid}`;
  checkName('bulwark bot', '--instance', instance);
  const tickMs = options.tickMs === undefined ? BOT_COMMAND_DEFAULTS.tickMs : Number(options.tickMs);
  if (!(Number.isInteger(tickMs) && tickMs > 0)) throw new RangeError(`bulwark bot: --tick-ms must be a positive integer, got ${String(options.tickMs)}`);
  const config = botConfig(loadConfigFile(options.config).config, options.exchangeUrl);

  const stores = await openConfiguredStores(config);
  const cleanups: Array<() => unknown> = [() => stores.close()];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const redis = stores.redis!;
    const health = healthRegistry({ defaultIntervalMs: config.health.intervalMs, defaultTimeoutMs: config.health.timeoutMs });
    // The bot's own metrics are not served; the fleet snapshot is how it is watched.
    const metrics = createMetrics({ defaultMetrics: false });
    const account = await configuredExchange(config, { storage: stores.storage, metrics, health, events: liveEvents(), redis });
    cleanups.push(() => account.close());
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

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description("the demo's sample bot as its own process, trading on the configured exchange and joining the fleet")
    .requiredOption('--config <file>', 'configuration file (YAML): storage, storage.redisUrl and the exchange')
    .option('--instance <name>', 'its id in the fleet and the prefix of its intent ids (default: host-pid)')
    .option('--exchange-url <url>', 'trade on this URL instead of exchange.url (e.g. the simulator of `bulwark sim --port N`)')
    .option('--tick-ms <n>', `milliseconds between ticks (default ${BOT_COMMAND_DEFAULTS.tickMs})`)
    .action(async (opts: { config: string; instance?: string; exchangeUrl?: string; tickMs?: string }) => {
      let running: RunningBot;
      try {
        running = await runBot({ ...opts });
      } catch (error) {
        console.error(`bulwark bot: ${error instanceof Error ? error.message.replace(/^bulwark bot: /, '') : String(error)}`);
        process.exit(1);
      }
      const stop = (signal: string): void => {
        console.log(`stopping (${signal})...`);
        running.stop().then(
          () => {
            console.log('stopped');
            process.exit(0);
          },
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
