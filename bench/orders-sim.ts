/**
 * The simulator for `npm run bench -- orders`, in a process of its own (a real exchange is not
 * in the client's event loop either). Prints `listening <url>` once it accepts orders; exits when
 * its stdin closes.
 *
 *   node build-bench/bench/orders-sim.js [port=0]
 */
import { startSimServer } from '../src/trading/sim/server.js';

const port = Number(process.argv[2] ?? 0);
// Funds for tens of thousands of small market orders in either direction.
const sim = await startSimServer({ port, balances: { USDT: 1e12, BTC: 1e6, ETH: 1e6 } });
console.log(`listening ${sim.url}`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
