/** Bad options are refused with the option named; nothing here reaches a Redis server (port 1 refuses). */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { breakerSharing } from '../../src/fleet/shared-breaker.js';

const nowhere = { port: 1, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 };
const redis = new Redis(nowhere).on('error', () => undefined);
const subscriber = new Redis(nowhere).on('error', () => undefined);
afterAll(() => {
  redis.disconnect();
  subscriber.disconnect();
});

describe('breakerSharing options', () => {
  it('needs an ioredis client', () => {
    expect(() => breakerSharing({ redis: {} as Redis })).toThrow('breakerSharing: redis must be an ioredis 5 client (with defineCommand())');
  });

  it.each([
    [{ trialLeaseMs: 0 }, 'trialLeaseMs must be an integer >= 1, got 0'],
    [{ trialLeaseMs: 1.5 }, 'trialLeaseMs must be an integer >= 1, got 1.5'],
    [{ trialRetryMs: -1 }, 'trialRetryMs must be a finite number > 0, got -1'],
  ])('refuses %o', (options, message) => {
    expect(() => breakerSharing({ redis, subscriber, ...options })).toThrow(message);
  });

  it('share() needs a name and a whole number of trials', async () => {
    const hub = breakerSharing({ redis, subscriber });
    await expect(hub.share(circuitBreaker())).rejects.toThrow(/share\(\) needs a name/);
    await expect(hub.share(circuitBreaker({ name: 'x' }), { trials: 0 })).rejects.toThrow('trials must be an integer >= 1, got 0');
  });
});

describe('share() twice under one name', () => {
  it('is refused, and leaves the second breaker unshared', async () => {
    const hub = breakerSharing({ redis, subscriber });
    const first = circuitBreaker({ name: 'venue' });
    const second = circuitBreaker({ name: 'venue' });
    const sharing = hub.share(first).catch(() => undefined); // fails later: nothing listens on port 1
    await expect(hub.share(second)).rejects.toThrow('breakerSharing: a breaker named "venue" is already shared by this process');
    // Not shared: its half-open trials ask no permit, so it closes on its own trial.
    second.forceOpen(0);
    await second.execute(() => 'ok');
    expect(second.state).toBe('closed');
    await sharing;
  });
});
