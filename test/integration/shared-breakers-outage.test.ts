/**
 * Shared breakers through a Redis outage, on a private redis-server stopped and restarted: a trip
 * made while Redis is away reaches the fleet once it is back, and a half-open breaker that cannot
 * ask for a trial slot trials on its own rather than never.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type CircuitBreaker, circuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { type BreakerSharing, breakerSharing } from '../../src/fleet/shared-breaker.js';
import { failTimes, succeed } from '../policies/breaker/helpers.js';
import { freePort, probeRedisServerBinary, startRedisServer, stopRedisServer } from '../support/redis-server.js';
import { describeWith, requireService } from '../support/services.js';

const available = await requireService('redis-server binary', probeRedisServerBinary);
const OPEN_MS = 60_000;

interface Member {
  clock: ManualClock;
  breaker: CircuitBreaker;
  hub: BreakerSharing;
  redis: Redis;
  errors: unknown[];
}

let port = 0;
let server: ChildProcess | undefined;
const members: Member[] = [];

async function member(): Promise<Member> {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ name: 'venue', window: { kind: 'consecutive', failures: 1 }, openMs: OPEN_MS, clock });
  // Quick reconnects keep the test short; commands fail while the server is away.
  const options = { maxRetriesPerRequest: 0, retryStrategy: () => 50 };
  const redis = new Redis(port, '127.0.0.1', options);
  redis.on('error', () => undefined);
  const subscriber = new Redis(port, '127.0.0.1', options);
  subscriber.on('error', () => undefined);
  const hub = breakerSharing({ redis, subscriber, clock, prefix: 'outage:' });
  const errors: unknown[] = [];
  hub.on('error', (e) => errors.push(e.error));
  await hub.share(breaker);
  const m = { clock, breaker, hub, redis, errors };
  members.push(m);
  return m;
}

describeWith(available, 'shared breakers through a Redis outage', () => {
  afterEach(async () => {
    for (const m of members.splice(0)) {
      await m.hub.close();
      m.redis.disconnect();
    }
    if (server) await stopRedisServer(server);
    server = undefined;
  });
  afterAll(async () => {
    if (server) await stopRedisServer(server);
  });

  it('a trip made while Redis is away opens the others once it is back', async () => {
    port = await freePort();
    server = await startRedisServer(port);
    const a = await member();
    const b = await member();
    await stopRedisServer(server);
    await failTimes(a.breaker);
    expect(a.breaker.state).toBe('open');
    await vi.waitFor(() => expect(a.errors.length).toBeGreaterThan(0), { timeout: 5_000, interval: 5 });
    expect(b.breaker.state).toBe('closed');
    server = await startRedisServer(port);
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 10_000, interval: 10 });
  }, 20_000);

  it('half-open without Redis: the breaker trials on its own and closes', async () => {
    port = await freePort();
    server = await startRedisServer(port);
    const a = await member();
    await failTimes(a.breaker);
    await stopRedisServer(server);
    await a.clock.advance(OPEN_MS);
    expect(a.breaker.state).toBe('half-open');
    // The slot request fails (other errors, such as the lost connection, may be reported first);
    // from then on the breaker trials alone: a call is let through and its success closes it.
    await vi.waitFor(() => succeed(a.breaker), { timeout: 5_000, interval: 5 });
    expect(a.errors.length).toBeGreaterThan(0);
    expect(a.breaker.state).toBe('closed');
  }, 20_000);
});
