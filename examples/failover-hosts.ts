/**
 * Failover across an exchange's REST hosts: four hosts at priority 0 and a backup at priority 1,
 * routed by a failover group with outlier detection, active health checks and slow start.
 *
 * 1. All hosts up: the calls spread over the four preferred hosts.
 * 2. api2 starts refusing connections: its third refused call ejects it; each failed call is
 *    tried once more on another host (`exclude`), so the caller sees no error.
 * 3. api1, api3 and api4 go down too: a request whose two tries both hit a dead host fails
 *    until each is ejected (three refused calls each); then level 0 has nothing left and the
 *    backup takes every call (a `failover` routing change).
 * 4. The hosts come back: their checks pass, they warm up (slow start) and take the traffic back
 *    (`failback`).
 * 5. An operator drains api1 for an upgrade, with a reason: the history says who and why.
 *
 * Run: npx tsx examples/failover-hosts.ts
 */
import { type Clock, systemClock } from 'bulwark';
import { failoverGroup, type FailoverGroup } from 'bulwark/failover';

export interface FailoverHostsOptions {
  clock?: Clock;
  random?: () => number;
  log?: (line: string) => void;
}

const HOSTS = ['api1', 'api2', 'api3', 'api4', 'api-gcp'] as const;
type Host = (typeof HOSTS)[number];

export async function main(options: FailoverHostsOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const down = new Set<Host>();
  const served = new Map<Host, number>();

  /** One REST call to a host: 10 ms when it is up, a refused connection when it is down. */
  const fetchTicker = async (host: Host): Promise<number> => {
    if (down.has(host)) throw Object.assign(new Error(`connect ECONNREFUSED ${host}`), { code: 'ECONNREFUSED' });
    await clock.sleep(10);
    served.set(host, (served.get(host) ?? 0) + 1);
    return 50_000;
  };

  const group: FailoverGroup<Host> = failoverGroup<Host>({
    name: 'binance-rest',
    strategy: 'priority',
    endpoints: HOSTS.map((host) => ({ name: host, target: host, priority: host === 'api-gcp' ? 1 : 0 })),
    outlierDetection: { baseEjectionMs: 5_000, maxEjectionShare: 1 },
    healthCheck: { check: async (host) => !down.has(host), intervalMs: 1_000, unhealthyThreshold: 2, healthyThreshold: 2 },
    slowStart: { windowMs: 3_000 },
    clock,
    ...(options.random ? { random: options.random } : {}),
  });
  group.on('stateChange', (c) => log(`${c.endpoint}: ${c.from} -> ${c.to} (${c.reason}: ${c.detail})`));
  group.on('routingChange', (c) => log(`routing: ${c.from} -> ${c.to}, priority ${c.activePriority} (${c.reason}: ${c.detail})`));
  group.start();

  let callerErrors = 0;
  /** A caller's request: one try, and one more on another host if the first failed. */
  const request = async (): Promise<void> => {
    let tried: string | undefined;
    try {
      await group.execute((host, endpoint) => ((tried = endpoint.name), fetchTicker(host)));
    } catch {
      try {
        await group.execute((host) => fetchTicker(host), { exclude: new Set([tried!]) });
      } catch {
        callerErrors++;
      }
    }
  };
  /** `calls` requests; the calls each host served and the requests that failed both tries. */
  const phase = async (calls: number): Promise<{ served: Record<string, number>; errors: number }> => {
    served.clear();
    const before = callerErrors;
    for (let i = 0; i < calls; i++) await request();
    return { served: Object.fromEntries(HOSTS.map((h) => [h, served.get(h) ?? 0])), errors: callerErrors - before };
  };

  const allUp = await phase(100);
  down.add('api2');
  const api2Down = await phase(100);
  for (const host of ['api1', 'api3', 'api4'] as const) down.add(host);
  const levelDown = await phase(100);
  down.clear();
  await clock.sleep(10_000); // checks pass, ejections end, slow start runs its window
  const back = await phase(100);
  group.drain('api1', { reason: 'upgrade to the new TLS settings', actor: 'ops-alice' });
  const drained = await phase(100);
  group.stop();

  const history = group.history();
  return { allUp, api2Down, levelDown, back, drained, history, snapshot: group.snapshot() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await main();
  console.log({ allUp: result.allUp, api2Down: result.api2Down, levelDown: result.levelDown, back: result.back, drained: result.drained });
}
