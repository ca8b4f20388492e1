/** The Redis the benchmarks run against (BULWARK_BENCH_REDIS_URL, default the local server), or a skip line. */
import { Redis } from 'ioredis';

export const benchRedisUrl = process.env.BULWARK_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client, or undefined after printing why the section is skipped. */
export async function connectBenchRedis(): Promise<Redis | undefined> {
  const redis = new Redis(benchRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    console.log(`\n(skipped: Redis unreachable at ${benchRedisUrl}: ${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}
