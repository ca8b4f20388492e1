import { describe, expect, it } from 'vitest';
import { redisRateBudgetStore } from '../../../src/limits/budgets/redis-store.js';

/** A stand-in for ioredis that records the script calls it receives (the scripts run in test/integration). */
function fakeClient(reply: unknown) {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const client: Record<string, unknown> = {
    defineCommand(name: string) {
      client[name] = async (...args: unknown[]) => {
        calls.push({ name, args });
        return reply;
      };
    },
  };
  return { client: client as unknown as Parameters<typeof redisRateBudgetStore>[0], calls };
}

describe('redisRateBudgetStore (without a server)', () => {
  it('refuses something that is not an ioredis client', () => {
    expect(() => redisRateBudgetStore({} as never)).toThrow(/ioredis 5 client/);
  });

  it('sends one script call with the group hash-tagged in every key, and maps the reply', async () => {
    const { client, calls } = fakeClient([0, 2500, 2, 0, 3, 100]);
    const store = redisRateBudgetStore(client, { prefix: 'p:' });
    const outcome = await store.charge('binance{ip1}', [
      { budget: 'W', cost: 1, ceiling: 10, windowMs: 1000 },
      { budget: 'O', cost: 1, ceiling: 100, windowMs: 10_000 },
    ]);
    expect(outcome).toEqual({ ok: false, retryAfterMs: 2500, blockedBy: 'O', used: [3, 100] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args).toEqual([3, 'p:{binance_ip1_}:freeze', 'p:{binance_ip1_}:b:W', 'p:{binance_ip1_}:b:O', 1, 10, 1000, 1, 100, 10_000]);
  });

  it('reports a freeze with the status that caused it', async () => {
    const { client } = fakeClient([0, 60_000, 0, 418]);
    const outcome = await redisRateBudgetStore(client).charge('g', [{ budget: 'W', cost: 1, ceiling: 10, windowMs: 1000 }]);
    expect(outcome).toMatchObject({ ok: false, blockedBy: 'freeze', frozenBy: 418, retryAfterMs: 60_000 });
  });
});
