/** The Redis store's client-side behaviour, against a scripted fake client (the real server is in test/integration). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { LimiterUnavailableError } from '../../../src/limits/errors.js';
import { fixedWindow, fixedWindowAlgorithm } from '../../../src/limits/fixed-window.js';
import { redisStore } from '../../../src/limits/stores/redis.js';
import { tokenBucket } from '../../../src/limits/token-bucket.js';

/** One script call as the fake server received it. */
interface Sent {
  command: 'evalsha' | 'eval';
  head: string;
  keys: string[];
  argv: Array<string | number>;
}

/** Every algorithm shipped has two parameters: ARGV[1..2]. */
const PARAMS = 2;

/** The fields the fake answers for each decision of a batch, walking the arguments as the driver does. */
function decisionsOf(sent: Sent): Array<{ op: string; fields: unknown[] }> {
  const out: Array<{ op: string; fields: unknown[] }> = [];
  let j = PARAMS;
  for (let i = 0; i < sent.keys.length; i++) {
    const op = sent.argv[j];
    if (op === 'r') {
      out.push({ op: 'r', fields: [1, 9, 0, sent.argv[j + 1], -1, '42'] });
      j += 4;
    } else if (op === 'x') {
      out.push({ op: 'x', fields: [1, 0, 0] });
      j += 3;
    } else {
      out.push({ op: 'c', fields: [1, 9, 0] });
      j += 1;
    }
  }
  return out;
}

/**
 * An ioredis-like client: evalsha/eval with the script cache of a server, every call recorded,
 * answered with `reply(sent)` (by default the fields above, flat), at once or when released.
 */
class FakeRedis {
  status = 'ready';
  isCluster = false;
  cache = new Map<string, string>();
  sent: Sent[] = [];
  held: Array<() => void> = [];
  hold = false;
  holdsEveryScript = false;
  reply: (sent: Sent) => Promise<unknown> = (sent) => Promise.resolve(decisionsOf(sent).flatMap((d) => d.fields));

  private answer(sent: Sent): Promise<unknown> {
    if (!this.hold) return this.reply(sent);
    return new Promise((resolve, reject) => this.held.push(() => this.reply(sent).then(resolve, reject)));
  }

  private record(command: Sent['command'], head: string, numberOfKeys: number, args: Array<string | number>): Sent {
    const sent = { command, head, keys: args.slice(0, numberOfKeys) as string[], argv: args.slice(numberOfKeys) };
    this.sent.push(sent);
    return sent;
  }

  evalsha(sha: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown> {
    const sent = this.record('evalsha', sha, numberOfKeys, args);
    if (!this.holdsEveryScript && !this.cache.has(sha)) return Promise.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    return this.answer(sent);
  }

  eval(lua: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown> {
    const sent = this.record('eval', lua, numberOfKeys, args);
    this.cache.set(createHash('sha1').update(lua).digest('hex'), lua);
    return this.answer(sent);
  }

  /** Answers every held call. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  /** A client whose server already holds every script (no NOSCRIPT round). */
  static loaded(): FakeRedis {
    const client = new FakeRedis();
    client.holdsEveryScript = true;
    return client;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('redisStore', () => {
  it('sends a lone decision at once: the prefixed, hash-tagged key, the algorithm parameters, then the cost', async () => {
    const client = FakeRedis.loaded();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 5, store: redisStore(client, { prefix: 'app:' }) });
    const decision = limiter.consume('user-1', 3);
    expect(client.sent).toHaveLength(1); // no tick waited
    expect(client.sent[0]).toMatchObject({ command: 'evalsha', keys: ['app:tb:{user-1}'], argv: [10, 0.005, 3] });
    expect(await decision).toEqual({ allowed: true, remaining: 9, retryAfterMs: 0 });
  });

  it('reads retryAfter in microseconds, -1 meaning never', async () => {
    const client = FakeRedis.loaded();
    client.reply = () => Promise.resolve([0, 3, 1500]);
    const limiter = tokenBucket({ capacity: 3, refillPerSecond: 1, store: redisStore(client) });
    expect(await limiter.consume('k')).toEqual({ allowed: false, remaining: 3, retryAfterMs: 1.5 });
    client.reply = () => Promise.resolve([0, 3, -1]);
    expect(await limiter.consume('k', 3)).toEqual({ allowed: false, remaining: 3, retryAfterMs: Infinity });
  });

  it('batches decisions made while one awaits its reply: one script call on the next tick, in order, each answered with its own fields', async () => {
    const client = FakeRedis.loaded();
    const bound = redisStore(client, { prefix: 'p:' }).bind(fixedWindowAlgorithm(100, 1000), new ManualClock());
    client.hold = true;
    const first = bound.consume('a', 1);
    const second = bound.consume('b', 2);
    const lease = bound.reserve('c', 5, 1, 300);
    const back = bound.release('d', 4, 17);
    expect(client.sent).toHaveLength(1); // the first went out alone; the rest wait for the tick
    await tick();
    expect(client.sent).toHaveLength(2);
    expect(client.sent[1]).toMatchObject({
      keys: ['p:fw:{b}', 'p:fw:{c}', 'p:fw:{d}'],
      argv: [100, 1000, 2, 'r', 5, 1, 300, 'x', 4, '17'],
    });
    client.reply = (sent) =>
      Promise.resolve(sent.keys.length === 1 ? [1, 99, 0] : [1, 97, 0, /* reserve: */ 1, 92, 0, 5, 300_000, '42', /* release: */ 1, 0, 0]);
    client.release();
    expect(await first).toEqual({ allowed: true, remaining: 99, retryAfterMs: 0 });
    expect(await second).toEqual({ allowed: true, remaining: 97, retryAfterMs: 0 });
    expect(await lease).toEqual({ granted: 5, remaining: 92, retryAfterMs: 0, validForMs: 300, stamp: 42 });
    await back;
  });

  it('splits a batch larger than maxDecisionsPerCall into several script calls', async () => {
    const client = FakeRedis.loaded();
    const limiter = fixedWindow({ limit: 100, windowMs: 1000, store: redisStore(client, { maxDecisionsPerCall: 2 }) });
    client.hold = true;
    const decisions = ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => limiter.consume(key));
    await tick();
    expect(client.sent.map((s) => s.keys.length)).toEqual([1, 2, 2, 1]);
    client.release();
    expect((await Promise.all(decisions)).every((d) => d.allowed)).toBe(true);
  });

  it('on a Redis Cluster keeps each batch to one limiter key (one slot)', async () => {
    const client = FakeRedis.loaded();
    client.isCluster = true;
    const limiter = fixedWindow({ limit: 100, windowMs: 1000, store: redisStore(client) });
    client.hold = true;
    const decisions = ['a', 'b', 'a', 'c', 'b'].map((key) => limiter.consume(key));
    await tick();
    expect(client.sent.map((s) => s.keys)).toEqual([
      ['bulwark:rl:fw:{a}'],
      ['bulwark:rl:fw:{b}', 'bulwark:rl:fw:{b}'],
      ['bulwark:rl:fw:{a}'],
      ['bulwark:rl:fw:{c}'],
    ]);
    client.release();
    expect(await Promise.all(decisions)).toHaveLength(5);
  });

  it('fails closed with LimiterUnavailableError when Redis does not answer within commandTimeoutMs (never hangs)', async () => {
    const clock = new ManualClock();
    const client = FakeRedis.loaded();
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

  it('a batch that times out fails every decision in it', async () => {
    const clock = new ManualClock();
    const client = FakeRedis.loaded();
    client.reply = () => new Promise(() => undefined);
    const limiter = fixedWindow({ limit: 10, windowMs: 1000, store: redisStore(client, { commandTimeoutMs: 100 }), clock });
    const decisions = ['a', 'b', 'c'].map((key) => limiter.consume(key).then(() => 'answered', (e: unknown) => e));
    await tick();
    expect(client.sent.map((s) => s.keys.length)).toEqual([1, 2]);
    await clock.advance(100);
    for (const outcome of await Promise.all(decisions)) expect(outcome).toBeInstanceOf(LimiterUnavailableError);
  });

  it('decisions queued for the next tick are not sent when the connection drops before it: they fail (or go to insurance)', async () => {
    const client = FakeRedis.loaded();
    const insurance = tokenBucket({ capacity: 1, refillPerSecond: 0.001 });
    const limiter = fixedWindow({ limit: 100, windowMs: 1000, store: redisStore(client, { insurance }) });
    client.hold = true;
    const first = limiter.consume('a');
    const queued = [limiter.consume('b'), limiter.consume('b')];
    client.status = 'reconnecting';
    await tick();
    expect(client.sent).toHaveLength(1); // only the lone first decision went out
    expect((await Promise.all(queued)).map((d) => d.allowed)).toEqual([true, false]); // the local share of 1
    client.release();
    expect((await first).allowed).toBe(true);
  });

  it('does not send while the client is reconnecting: fails at once', async () => {
    const client = FakeRedis.loaded();
    client.status = 'reconnecting';
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(/Redis connection is reconnecting/);
    expect(client.sent).toEqual([]);
  });

  it('fails open to the insurance limiter while down, and back to Redis (recovered) on the next reply', async () => {
    const client = FakeRedis.loaded();
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

  it("rejects (does not hang) on a reply that is not the script's", async () => {
    const client = FakeRedis.loaded();
    client.reply = () => Promise.resolve('OK');
    const limiter = tokenBucket({ capacity: 1, refillPerSecond: 1, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(/unexpected reply from the limiter script: "OK"/);
    client.reply = () => Promise.resolve([1, 2]); // a field short
    await expect(limiter.consume('k')).rejects.toThrow(/unexpected reply from the limiter script: \[1,2\]/);
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => redisStore({} as never)).toThrow('redisStore: client must be an ioredis client (with evalsha() and eval())');
    expect(() => redisStore(new FakeRedis(), { prefix: 1 as unknown as string })).toThrow('redisStore: prefix must be a string, got number');
    expect(() => redisStore(new FakeRedis(), { commandTimeoutMs: 0 })).toThrow('redisStore: commandTimeoutMs must be a finite number > 0, got 0');
    expect(() => redisStore(new FakeRedis(), { maxDecisionsPerCall: 0 })).toThrow('redisStore: maxDecisionsPerCall must be an integer >= 1, got 0');
    expect(() => redisStore(new FakeRedis(), { maxDecisionsPerCall: 1.5 })).toThrow('redisStore: maxDecisionsPerCall must be an integer >= 1, got 1.5');
    expect(() => redisStore(new FakeRedis(), { insurance: {} as never })).toThrow('redisStore: insurance must be a Limiter (e.g. tokenBucket with a 1/N share) (with consume())');
  });

  it('sends EVALSHA and, after NOSCRIPT, the script once with EVAL', async () => {
    const client = new FakeRedis();
    const limiter = tokenBucket({ capacity: 10, refillPerSecond: 5, store: redisStore(client, { prefix: 'app:' }) });
    expect(await limiter.consume('user-1', 3)).toEqual({ allowed: true, remaining: 9, retryAfterMs: 0 });
    await limiter.consume('user-1');
    expect(client.sent.map((s) => s.command)).toEqual(['evalsha', 'eval', 'evalsha']);
    expect(client.sent[0]).toMatchObject({ keys: ['app:tb:{user-1}'], argv: [10, 0.005, 3] });
    expect(client.sent[1]).toMatchObject({ keys: ['app:tb:{user-1}'], argv: [10, 0.005, 3] });
    // The SHA1 sent is the script's own: the server found it after the EVAL.
    expect(client.sent[2]?.head).toBe(client.sent[0]?.head);
    expect(client.cache.get(client.sent[2]?.head ?? '')).toBe(client.sent[1]?.head);
  });

  it('does not loop on NOSCRIPT: a second one fails the decision (closed without insurance)', async () => {
    const client = new FakeRedis();
    client.eval = (lua, numberOfKeys, ...args) => {
      client.sent.push({ command: 'eval', head: lua, keys: args.slice(0, numberOfKeys) as string[], argv: args.slice(numberOfKeys) });
      return Promise.reject(new Error('NOSCRIPT still missing'));
    };
    const limiter = fixedWindow({ limit: 1, windowMs: 1000, store: redisStore(client) });
    await expect(limiter.consume('k')).rejects.toThrow(LimiterUnavailableError);
    expect(client.sent.map((s) => s.command)).toEqual(['evalsha', 'eval']);
  });
});
