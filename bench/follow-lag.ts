/**
 * How far the demo's journal lags behind the exchange: runs the demo (with its injected faults)
 * for N seconds, compares every order the simulator holds with its intent every 200 ms, and
 * prints how long each change took to reach the journal: from the change itself, and from the
 * moment the exchange answered again after a fault (maintenance, replies past the timeout).
 *
 *   npx tsx bench/follow-lag.ts [seconds=150] [dataDir=.bulwark/follow-lag]
 */
import { rm } from 'node:fs/promises';
import { startDemo } from '../src/demo/demo.js';

const STATE: Record<string, string> = { NEW: 'OPEN', PARTIALLY_FILLED: 'PARTIALLY_FILLED', FILLED: 'FILLED', CANCELED: 'CANCELED' };
const seconds = Number(process.argv[2] ?? 150);
const dataDir = process.argv[3] ?? '.bulwark/follow-lag';

await rm(dataDir, { recursive: true, force: true });
const demo = await startDemo({ dataDir });
const journal = demo.exchange.journal;
const fromChange: number[] = [];
const fromAnswer: number[] = [];
const behind = new Set<string>();
let lastFaultyAt = 0;
let maxUnknownAgeMs = 0;
const end = Date.now() + seconds * 1_000;
while (Date.now() < end) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const now = Date.now();
  const faults = demo.sim.faults();
  if (faults.maintenance || faults.latencyMs > 0) lastFaultyAt = now;
  for (const order of demo.sim.engine.allOrdersHeld()) {
    const intent = await journal.getByClientOrderId(order.clientOrderId);
    if (!intent || now < order.visibleAt) continue;
    if (intent.state !== STATE[order.status]) behind.add(order.clientOrderId);
    else if (behind.delete(order.clientOrderId)) {
      const changedAt = Math.max(order.updateTime, order.visibleAt);
      fromChange.push(now - changedAt);
      fromAnswer.push(now - Math.max(changedAt, lastFaultyAt));
    }
  }
  for (const intent of await journal.listByState('UNKNOWN')) maxUnknownAgeMs = Math.max(maxUnknownAgeMs, now - intent.updatedAt);
}
const counts = await journal.countByState();
await demo.stop();
const pct = (list: number[], p: number): number | null => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? null);
};
console.log(
  JSON.stringify(
    {
      seconds,
      changesFollowed: fromChange.length,
      fromChangeMs: { p50: pct(fromChange, 0.5), max: pct(fromChange, 1) },
      fromExchangeAnsweringMs: { p50: pct(fromAnswer, 0.5), max: pct(fromAnswer, 1) },
      maxUnknownAgeMs,
      journal: counts,
      bot: demo.bot.stats,
    },
    null,
    1,
  ),
);
