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
import type { Command } from 'commander';

export const BOT_COMMAND_DEFAULTS = {
  // The simulator's exchange when only a URL is given: `bulwark sim` speaks Binance spot.
  exchangeId: 'binance',
  // The sample bot's pace: one order attempt a second keeps the dashboard moving.
  tickMs: 1_000,
  // An order waits at most this long in the bot's own policies (the exchange's retries are inside).
  orderTimeoutMs: 4_000,
} as const;

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description("the demo's sample bot as its own process, trading on the configured exchange and joining the fleet")
    .requiredOption('--config <file>', 'configuration file (YAML): storage, storage.redisUrl and the exchange')
    .option('--instance <name>', 'its id in the fleet and the prefix of its intent ids (default: host-pid)')
    .option('--exchange-url <url>', 'trade on this URL instead of exchange.url (e.g. the simulator of `bulwark sim --port N`)')
    .option('--account <name>', 'the account of `exchanges:` to trade on (required when the configuration names several)')
    .option('--tick-ms <n>', `milliseconds between ticks (default ${BOT_COMMAND_DEFAULTS.tickMs})`)
    .action(async (opts: { config: string; instance?: string; exchangeUrl?: string; account?: string; tickMs?: string }) => {
      const { runBot } = await import('./bot-run.js');
      const running = await runBot({ ...opts, out: (line) => console.error(line) });
      const stop = (signal: string): void => {
        console.error(`stopping (${signal})...`);
        running.stop().then(
          () => {
            console.error('stopped');
            process.exit(0);
          },
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
