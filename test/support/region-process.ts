/**
 * One region of the regions test, as a process of its own: the configured ops service
 * (componentsFromConfig with `region:`, so it contends for the trading lease in the shared
 * PostgreSQL and joins its own fleet in its own Redis namespace), its API on a port, and a bot in the
 * same process placing a small resting order every few ms through the account's gate. It prints,
 * one line each (times are this machine's wall clock, as the simulator's):
 *
 *   LISTENING <url>
 *   ROLE <region> <from> <to> <reason> <at>        every role change of the lease
 *   TRY <region> <intentId> <at>                    before each order the bot sends to the gate
 *   ORDER <region> <intentId> <clientOrderId> <at>  each order the exchange took
 *
 * Usage: node --import tsx test/support/region-process.ts CONFIG PORT TICK_MS   (PORT 0: the OS picks one)
 */
import { buildApp } from '../../src/server/app.js';
import { componentsFromConfig, readConfigFile } from '../../src/server/configured.js';

const [file, port, tickArg] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: region-process.ts CONFIG PORT [TICK_MS]');
const tickMs = Number(tickArg ?? 20);
const config = readConfigFile(file);
const region = config.region!.name;
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const configured = await componentsFromConfig(config);
const lease = configured.region!;
lease.on('stateChange', (c) => out(`ROLE ${region} ${c.from} ${c.to} ${c.reason} ${c.at}`));
// Changes made while the service started, before this listener: the history has them.
for (const c of lease.history()) out(`ROLE ${region} ${c.from} ${c.to} ${c.reason} ${c.at}`);
const app = await buildApp(configured.components, { logger: false });
// Port 0: the OS picks one; the line says which.
out(`LISTENING ${await app.listen({ host: '127.0.0.1', port: Number(port) })}`);

const exchange = configured.account!.exchange;
let n = 0;
let stopping = false;
const loop = async (): Promise<void> => {
  while (!stopping) {
    const intentId = `${region}-${process.pid}-${n++}`;
    out(`TRY ${region} ${intentId} ${Date.now()}`);
    try {
      const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 10_000, { intentId });
      out(`ORDER ${region} ${intentId} ${order.clientOrderId} ${Date.now()}`);
    } catch {
      // Refused by the gate (reducing) or failed: the next tick tries again.
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
};
const trading = loop();

process.on('SIGTERM', () => {
  stopping = true;
  void trading
    .then(() => app.close())
    .then(() => configured.close())
    .finally(() => process.exit(0));
});
