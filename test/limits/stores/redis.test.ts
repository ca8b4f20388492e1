/** The Redis store's client-side behaviour, against a scripted fake client (the real server is in test/integration). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { LimiterUnavailableError } from '../../../src/limits/errors.js';
import { fixedWindow } from '../../../src/limits/fixed-window.js';
import { redisStore } from '../../../src/limits/stores/redis.js';
import { tokenBucket } from '../../../src/limits/token-bucket.js';

type Reply = (args: Array<string | number>) => Promise<unknown>;

/** Records defineCommand calls and answers every script call with `reply`. */
class FakeRedis {
  status = 'ready';
  defined: string[] = [];
  calls: Array<Array<string | number>> = [];
  reply: Reply = () => Promise.resolve([1, 9, 0]);

  defineCommand(name: string): void {
    this.defined.push(name);
    Object.defineProperty(this, name, {
      value: (...args: Array<string | number>) => {
        this.calls.push(args);
        return this.reply(args);
      },
    });
  }
}

/** An ioredis-like client with evalsha/eval, which the store calls directly, and a corkable stream. */
class FakeEvalRedis {
  status = 'ready';
  defined: string[] = [];
  /** Scripts the server holds, by SHA1. */
  cache = new Map<string, string>();
  sent: Array<{ command: 'evalsha' | 'eval'; head: string; args: Array<string | number> }> = [];
  stream = { corks: 0, uncorks: 0, cork(): void { this.corks++; }, uncork(): void { this.uncorks++; } };
  pending: Array<() => void> = [];
  hold = false;

  defineCommand(name: string): void {
    this.defined.push(name);
  }

  private answer(): Promise<unknown> {
    if (!this.hold) return Promise.resolve([1, 9, 0]);
    return new Promise((resolve) => this.pending.push(() => resolve([1, 9, 0])));
  }

  evalsha(sha: string, _keys: number, ...args: Array<string | number>): Promise<unknown> {
    this.sent.push({ command: 'evalsha', head: sha, args });
    if (!this.cache.has(sha)) return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    return this.answer();
  }

  eval(lua: string, _keys: number, ...args: Array<string | number>): Promise<unknown> {
    this.sent.push({ command: 'eval', head: lua, args });
    this.cache.set(createHash('sha1').update(lua).digest('hex'), lua);
    return this.answer();
  }
}

describe('redisStore', () => {
  it('defines each algorithm script once per client, however many limiters use it', () => {
    const client = new FakeRedis();
    const store = redisStore(client);
    tokenBucket({ capacity: 1, refillPerSecond: 1, store });
    tokenBucket({ capacity: 2, refillPerSecond: 1, store: redisStore(client) });
    fixedWindow({ limit: 1, windowMs: 1000, store });
    expect(client.defined).toEqual(['bulwarkLimit_tb', 'bulwarkLimit_fw']);
  });

  it('sends one script call per decision, with a prefixed, hash-tagged key and the algorithm parameters', async () => {
    const client = new FakeRedis();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 5, store: redisStore(client, { prefix: 'app:' }) });
    const decision = await limiter.consume('user-1', 3);
    expect(client.calls).toEqual([['app:tb:{user-1}', 'c', 3, 0, 0, 10, 0.005]]);
    expect(decision).toEqual({ allowed: true, remaining: 9, retryAfterMs: 0 });
  });

  it('reads retryAfter in microseconds, -1 meaning never', async () => {
    const client = new FakeRedis();
    client.reply = () => Promise.resolve([0, 3, 1500]);
    const limiter = tokenBucket({ capacity: 3, refillPerSecond: 1, store: redisStore(client) });
    expect(await limiter.consume('k')).toEqual({ allowed: false, remaining: 3, retryAfterMs: 1.5 });
    client.reply = () => Promise.resolve([0, 3, -1]);
    expect(await limiter.consume('k', 3)).toEqual({ allowed: false, remaining: 3, retryAfterMs: Infinity });
  });

  it('fails closed with LimiterUnavailableError when Redis does not answer within commandTimeoutMs (never hangs)', async () => {
    const clock = new ManualClock();
    const client = new FakeRedis();
    client.reply = () => new Promise(() => undefined);
    const store = redisStore(client, { commandTimeoutMs: 200 });
    const events: string[] = [];
    store.on('unavailable', () => events.push('unavailable'));
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, store, clock });
    const pending = limiter.consume('k').catch((e: unknown) => e);
    await clock.advance(199);
    expect(store.available).toBe(true);
    await clock.advance(1);
    const error = await pending;
    expect(error).toBeInstanceOf(LimiterUnavailableError);
    expect((error as Error).message).toMatch(/did not answer within 200 ms.*failing closed/);
    expect(store.available).toBe(false);
    expect(events).toEqual(['unavailable']);
  });

  it('does not send while the client is reconnecting: fails at once', async () => {
    const client = new FakeRedis();
    client.status = 'reconnecting';
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(/Redis connection is reconnecting/);
    expect(client.calls).toEqual([]);
  });

  it('fails open to the insurance limiter while down, and back to Redis (recovered) on the next reply', async () => {
    const client = new FakeRedis();
    const insurance = tokenBucket({ capacity: 1, refillPerSecond: 0.001 });
    const store = redisStore(client, { insurance });
    const events: string[] = [];
    store.on('unavailable', () => events.push('unavailable'));
    store.on('recovered', () => events.push('recovered'));
    const limiter = fixedWindow({ limit: 100, windowMs: 1000, store });
    client.reply = () => Promise.reject(new Error('ECONNREFUSED'));
    expect((await limiter.consume('k')).allowed).toBe(true);
    expect((await limiter.consume('k')).allowed).toBe(false); // the local share is spent
    client.reply = () => Promise.resolve([1, 97, 0]);
    expect(await limiter.consume('k')).toEqual({ allowed: true, remaining: 97, retryAfterMs: 0 });
    expect(events).toEqual(['unavailable', 'recovered']);
  });

  it('rejects (does not hang) on a reply that is not the script\'s', async () => {
    const client = new FakeRedis();
    client.reply = () => Promise.resolve('OK');
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(/unexpected reply from the limiter script: "OK"/);
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => redisStore({} as never)).toThrow(/needs an ioredis client/);
    expect(() => redisStore(new FakeRedis(), { prefix: 1 as unknown as string })).toThrow(/prefix must be a string/);
    expect(() => redisStore(new FakeRedis(), { commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs must be a number greater than 0/);
    expect(() => redisStore(new FakeRedis(), { insurance: {} as never })).toThrow(/insurance must be a Limiter/);
  });

  it('with an ioredis client, sends EVALSHA itself and, after NOSCRIPT, the script once with EVAL', async () => {
    const client = new FakeEvalRedis();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 5, store: redisStore(client, { prefix: 'app:' }) });
    expect(await limiter.consume('user-1', 3)).toEqual({ allowed: true, remaining: 9, retryAfterMs: 0 });
    await limiter.consume('user-1');
    const args = ['app:tb:{user-1}', 'c', 3, 0, 0, 10, 0.005];
    expect(client.sent.map((s) => s.command)).toEqual(['evalsha', 'eval', 'evalsha']);
    expect(client.sent[0]?.args).toEqual(args);
    expect(client.sent[1]?.args).toEqual(args);
    // The SHA1 sent is the script's own: the server found it after the EVAL.
    expect(client.sent[2]?.head).toBe(client.sent[0]?.head);
    expect(client.cache.get(client.sent[2]?.head ?? '')).toBe(client.sent[1]?.head);
    expect(client.defined).toEqual([]);
  });

  it('does not loop on NOSCRIPT: a second one fails the decision (closed without insurance)', async () => {
    const client = new FakeEvalRedis();
    client.eval = (lua, _keys, ...args) => {
      client.sent.push({ command: 'eval', head: lua, args });
      return Promise.reject(new Error('NOSCRIPT still missing'));
    };
    const limiter = fixedWindow({ limit: 1, windowMs: 1000, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(LimiterUnavailableError);
    expect(client.sent.map((s) => s.command)).toEqual(['evalsha', 'eval']);
  });

  it('writes decisions sent while others await replies in one batch per tick; a lone decision is written at once', async () => {
    const client = new FakeEvalRedis();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 5, store: redisStore(client) });
    await limiter.consume('k'); // loads the script (NOSCRIPT, then EVAL)
    await limiter.consume('k');
    expect(client.stream.corks).toBe(0);

    client.hold = true;
    const decisions = [limiter.consume('a'), limiter.consume('b'), limiter.consume('c')];
    // The first goes out alone; the next two find it in flight and share one corked write.
    expect(client.stream.corks).toBe(1);
    expect(client.stream.uncorks).toBe(0);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(client.stream.uncorks).toBe(1);
    for (const release of client.pending) release();
    expect((await Promise.all(decisions)).every((d) => d.allowed)).toBe(true);
  });
});
