/**
 * `npm run bench`: every side-by-side benchmark, one after another in this process.
 * Pass names to run a subset: `npm run bench -- policies limits-memory`.
 */
import { cpus } from 'node:os';

type Suite = () => Promise<unknown>;

const suites: Record<string, () => Promise<Suite>> = {
  policies: async () => (await import('./policies.js')).benchPolicies,
  'limits-memory': async () => (await import('./limits-memory.js')).benchLimitsMemory,
  'limits-redis': async () => (await import('./limits-redis.js')).benchLimitsRedis,
  storage: async () => (await import('./storage.js')).benchStorage,
  orders: async () => (await import('./orders.js')).benchOrders,
  'server-load': async () => (await import('./server-load.js')).benchServerLoad,
  'shared-breakers': async () => (await import('./shared-breakers.js')).benchSharedBreakers,
  fleet: async () => (await import('./fleet.js')).benchFleet,
  failover: async () => (await import('./failover.js')).benchFailover,
};

const wanted = process.argv.slice(2);
console.log(`# Bulwark benchmarks\n\nnode ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}`);
for (const [name, load] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  const run = await load();
  await run();
}
