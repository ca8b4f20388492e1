/**
 * Integration tests talk to real services. Without them a test file skips with one line saying
 * why; with BULWARK_REQUIRE_SERVICES=1 (set by .ci/run) a missing service fails the run instead.
 */
import { Redis } from 'ioredis';
import { describe } from 'vitest';

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
