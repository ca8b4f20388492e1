/** Bad options are refused with the option named; nothing here needs a Redis server (lazy connections). */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { circuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { breakerSharing } from '../../src/fleet/shared-breaker.js';

const redis = new Redis({ lazyConnect: true });
const subscriber = new Redis({ lazyConnect: true });
afterAll(() => {
  redis.disconnect();
  subscriber.disconnect();
});

describe('breakerSharing options', () => {
  it('needs an ioredis client', () => {
    expect(() => breakerSharing({ redis: {} as Redis })).toThrow('breakerSharing: redis must be an ioredis 5 client');
  });

  it.each([
    [{ trialLeaseMs: 0 }, 'trialLeaseMs must be an integer > 0, got 0'],
    [{ trialLeaseMs: 1.5 }, 'trialLeaseMs must be an integer > 0, got 1.5'],
    [{ trialRetryMs: -1 }, 'trialRetryMs must be a number > 0, got -1'],
  ])('refuses %o', (options, message) => {
    expect(() => breakerSharing({ redis, subscriber, ...options })).toThrow(message);
  });

  it('share() needs a name and a whole number of trials', async () => {
    const hub = breakerSharing({ redis, subscriber });
    await expect(hub.share(circuitBreaker())).rejects.toThrow(/share\(\) needs a name/);
    await expect(hub.share(circuitBreaker({ name: 'x' }), { trials: 0 })).rejects.toThrow('trials must be an integer > 0, got 0');
  });
});
