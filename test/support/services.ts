/**
 * Integration tests talk to real services. Without them a test file skips with one line saying
 * why; with BULWARK_REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails the run instead.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';

export const servicesRequired = process.env.BULWARK_REQUIRE_SERVICES === '1';

export const redisUrl = process.env.BULWARK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const postgresUrl = process.env.BULWARK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Probes a service once. Resolves to true when it answers. When it does not: throws if services
 * are required, else prints one line and resolves to false (use with `describe.skipIf`).
 */
export async function requireService(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const why = `${name} unreachable: ${error instanceof Error ? error.message : String(error)}`;
    if (servicesRequired) throw new Error(`${why} (BULWARK_REQUIRE_SERVICES=1, so this fails instead of skipping)`);
    console.warn(`[skip] ${why}; integration tests for ${name} skipped`);
    return false;
  }
}

/** `describe` that runs only when `available` is true. */
export function describeWith(available: boolean, name: string, body: () => void): void {
  describe.skipIf(!available)(name, body);
}

/** Resolves when Redis at `redisUrl` answers PING; rejects with the socket's own error otherwise. */
export async function probeRedis(): Promise<void> {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  let cause: unknown;
  probe.on('error', (error: unknown) => {
    cause = error; // the socket error says more than "Connection is closed"
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    probe.disconnect();
  }
}

/** Deletes every key under `prefix` (a test's own namespace on the shared server). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

/**
 * A connection to the shared test Redis for one describe block: opened before its tests, and
 * on the way out every key under `prefix` is deleted and the connection closed.
 */
export function sharedRedis(prefix: string): { readonly client: Redis } {
  let client: Redis | undefined;
  beforeAll(() => {
    client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (!client) return;
    await deleteKeys(client, prefix);
    client.disconnect();
  });
  return {
    get client(): Redis {
      if (!client) throw new Error('sharedRedis: the connection opens in beforeAll; use it inside a test');
      return client;
    },
  };
}
