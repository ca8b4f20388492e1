/**
 * Shared breakers on the real Redis: each member has its own connections and its own clock, as
 * separate processes would (one test uses a real child process). Waiting is on Redis messages
 * (vi.waitFor polls for their effect); breaker time moves only by ManualClock.advance.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { BrokenCircuitError } from '../../src/core/errors.js';
import { type CircuitBreaker, circuitBreaker } from '../../src/policies/breaker/circuit-breaker.js';
import { type BreakerSharing, breakerSharing } from '../../src/fleet/shared-breaker.js';
import { deleteKeys, describeWith, probeRedis, redisUrl, requireService } from '../support/services.js';
import { pendingCall, failTimes, succeed } from '../policies/breaker/helpers.js';

const available = await requireService(`Redis at ${redisUrl}`, probeRedis);
const run = `test:${process.pid}:${Date.now()}:shared-breakers:`;
const OPEN_MS = 60_000;

interface Member {
  clock: ManualClock;
  breaker: CircuitBreaker;
  hub: BreakerSharing;
  redis: Redis;
  subscriber: Redis;
}

const opened: Member[] = [];
let testPrefix = '';
let counter = 0;

/** Ends `m`'s open time and runs trials until one is let through and closes it. */
async function closeByTrial(m: Member): Promise<void> {
  await m.clock.advance(OPEN_MS);
  await vi.waitFor(() => expect(m.breaker.state).toBe('half-open'));
  await vi.waitFor(
    async () => {
      await succeed(m.breaker).catch(() => undefined);
      expect(m.breaker.state).toBe('closed');
    },
    { timeout: 5_000, interval: 5 },
  );
}

async function member(name: string, trials = 1, instance?: string, trialLeaseMs?: number): Promise<Member> {
  const clock = new ManualClock();
  const breaker = circuitBreaker({ name, window: { kind: 'consecutive', failures: 1 }, openMs: OPEN_MS, clock });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const subscriber = new Redis(redisUrl);
  const hub = breakerSharing({ redis, subscriber, prefix: testPrefix, clock, ...(instance ? { instance } : {}), ...(trialLeaseMs ? { trialLeaseMs } : {}) });
  await hub.share(breaker, { trials });
  const m = { clock, breaker, hub, redis, subscriber };
  opened.push(m);
  return m;
}

/** Drops a member's connections (both ended) until it calls connect() again. */
async function cut(m: Member): Promise<void> {
  const ended = [once(m.subscriber, 'end'), once(m.redis, 'end')];
  m.subscriber.disconnect();
  m.redis.disconnect();
  await Promise.all(ended);
}

/** Every command sent so far on each member's connection has been answered. */
async function drained(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.redis.ping()));
}

describeWith(available, 'shared breakers on Redis', () => {
  afterEach(async () => {
    for (const m of opened.splice(0)) {
      await m.hub.close();
      m.redis.disconnect();
      m.subscriber.disconnect();
    }
  });
  afterAll(async () => {
    const redis = new Redis(redisUrl);
    await deleteKeys(redis, run);
    redis.disconnect();
  });

  function fresh(): void {
    testPrefix = `${run}${counter++}:`;
  }

  it('two processes: one opens, the other is open within the propagation time, for the same time', async () => {
    fresh();
    const a = await member('exchange');
    const b = await member('exchange');
    await failTimes(a.breaker);
    expect(a.breaker.state).toBe('open');
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    expect(await b.breaker.execute(() => 'ok').catch((e: unknown) => e)).toBeInstanceOf(BrokenCircuitError);
    expect(b.breaker.metrics().retryAfterMs).toBe(OPEN_MS);
    // The follower's open time ends on its own clock, then it is half-open.
    await b.clock.advance(OPEN_MS);
    expect(b.breaker.state).toBe('half-open');
  });

  it('a member its operator disabled ignores the fleet: it stays disabled while another opens', async () => {
    fresh();
    const a = await member('exchange');
    const b = await member('exchange');
    const c = await member('exchange');
    b.breaker.transitionTo('disabled');
    await failTimes(a.breaker);
    await vi.waitFor(() => expect(c.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    // A later announcement, on another breaker shared by the same members, reaching b proves b
    // has read the first one (one subscriber connection delivers in publish order).
    const probe = (m: Member): CircuitBreaker => circuitBreaker({ name: 'probe', window: { kind: 'consecutive', failures: 1 }, openMs: OPEN_MS, clock: m.clock });
    const [probeA, probeB] = [probe(a), probe(b)];
    await a.hub.share(probeA);
    await b.hub.share(probeB);
    await failTimes(probeA);
    await vi.waitFor(() => expect(probeB.state).toBe('open'), { timeout: 5_000, interval: 5 });
    expect(b.breaker.state).toBe('disabled');
    await expect(b.breaker.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('three processes: after the open time only one trial runs fleet-wide; its success closes all', async () => {
    fresh();
    const members = [await member('feed'), await member('feed'), await member('feed')];
    const slots: number[] = [];
    for (const m of members) m.hub.on('trialSlot', (e) => slots.push(e.slot));
    await failTimes(members[1]!.breaker);
    await vi.waitFor(() => expect(members.map((m) => m.breaker.state)).toEqual(['open', 'open', 'open']), { timeout: 5_000, interval: 5 });
    for (const m of members) await m.clock.advance(OPEN_MS);
    expect(members.map((m) => m.breaker.state)).toEqual(['half-open', 'half-open', 'half-open']);
    await vi.waitFor(() => expect(slots).toHaveLength(1), { timeout: 5_000, interval: 5 });
    await drained(members); // the other two have their refusal
    const calls = members.map((m) => pendingCall(m.breaker));
    expect(calls.filter((c) => c.started)).toHaveLength(1);
    const trial = calls.findIndex((c) => c.started);
    for (const [i, c] of calls.entries()) if (i !== trial) expect(await c.call).toBeInstanceOf(BrokenCircuitError);
    calls[trial]!.resolve();
    expect(await calls[trial]!.call).toBe('ok');
    expect(members[trial]!.breaker.state).toBe('closed');
    await vi.waitFor(() => expect(members.map((m) => m.breaker.state)).toEqual(['closed', 'closed', 'closed']), { timeout: 5_000, interval: 5 });
    // The slot was freed with the close.
    expect(await members[0]!.redis.keys(`${testPrefix}*trial*`)).toEqual([]);
  });

  it('trials: 2 lets exactly two processes trial at once; a failed trial re-opens every one', async () => {
    fresh();
    const members = [await member('db', 2), await member('db', 2), await member('db', 2)];
    const slots: number[] = [];
    for (const m of members) m.hub.on('trialSlot', (e) => slots.push(e.slot));
    await failTimes(members[0]!.breaker);
    await vi.waitFor(() => expect(members.map((m) => m.breaker.state)).toEqual(['open', 'open', 'open']), { timeout: 5_000, interval: 5 });
    for (const m of members) await m.clock.advance(OPEN_MS);
    await vi.waitFor(() => expect(slots).toHaveLength(2), { timeout: 5_000, interval: 5 });
    await drained(members);
    expect(slots.sort()).toEqual([0, 1]);
    const calls = members.map((m) => pendingCall(m.breaker));
    expect(calls.filter((c) => c.started)).toHaveLength(2);
    const first = calls.findIndex((c) => c.started);
    calls[first]!.reject();
    await calls[first]!.call;
    expect(members[first]!.breaker.state).toBe('open');
    await vi.waitFor(() => expect(members.map((m) => m.breaker.state)).toEqual(['open', 'open', 'open']), { timeout: 5_000, interval: 5 });
    // The other trial ends after its breaker was re-opened: it does not close anything.
    const second = calls.findIndex((c, i) => c.started && i !== first);
    calls[second]!.resolve();
    await calls[second]!.call;
    expect(members[second]!.breaker.state).toBe('open');
  });

  it('an older change arriving late (or twice) is ignored', async () => {
    fresh();
    const a = await member('order');
    const b = await member('order');
    const announced: string[] = [];
    a.hub.on('announced', (e) => announced.push(`${e.state} ${e.epoch}`));
    await failTimes(a.breaker); // epoch 1: open
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    await closeByTrial(a);
    await vi.waitFor(() => expect(b.breaker.state).toBe('closed'), { timeout: 5_000, interval: 5 });
    expect(announced).toEqual(['open 1', 'closed 2']);
    // The open of epoch 1 again, as a late duplicate: B stays closed.
    await a.redis.publish(`${testPrefix}breaker:{order}`, JSON.stringify({ v: 1, epoch: 1, state: 'open', ms: OPEN_MS, from: 'elsewhere' }));
    await a.redis.publish(`${testPrefix}breaker:{order}`, JSON.stringify({ v: 1, epoch: 3, state: 'open', ms: 5_000, from: 'elsewhere' }));
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    // Only the newer one counted: open for its 5 s, not the stale 60 s.
    expect(b.breaker.metrics().retryAfterMs).toBe(5_000);
  });

  it('a trial-slot holder that dies frees its slot after the lease; another process trials', async () => {
    fresh();
    const leaseMs = 300; // Redis time: the lease ends on the server, not on a test clock
    const a = await member('lease', 1, 'a', leaseMs);
    const b = await member('lease', 1, 'b', leaseMs);
    const slots: string[] = [];
    a.hub.on('trialSlot', () => slots.push('a'));
    b.hub.on('trialSlot', () => slots.push('b'));
    await failTimes(a.breaker);
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    await a.clock.advance(OPEN_MS);
    await vi.waitFor(() => expect(slots).toEqual(['a']), { timeout: 5_000, interval: 5 });
    // A dies holding the slot (no release); B, half-open, asks at every retry until the lease ends.
    await cut(a);
    await b.clock.advance(OPEN_MS);
    expect(b.breaker.state).toBe('half-open');
    await vi.waitFor(async () => {
      await b.clock.advance(1_000);
      await drained([b]);
      expect(slots).toEqual(['a', 'b']);
    }, { timeout: 5_000, interval: 50 });
    await succeed(b.breaker);
    expect(b.breaker.state).toBe('closed');
  });

  it('a process that joins while the fleet is open adopts the remaining open time', async () => {
    fresh();
    const a = await member('late');
    await failTimes(a.breaker);
    await vi.waitFor(async () => expect(await a.redis.exists(`${testPrefix}breaker:{late}:open`)).toBe(1), { timeout: 5_000, interval: 5 });
    const b = await member('late');
    expect(b.breaker.state).toBe('open');
    const remaining = b.breaker.metrics().retryAfterMs;
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(OPEN_MS);
  });

  it('a process whose connection dropped catches up when it comes back (open, then the close)', async () => {
    fresh();
    const a = await member('reconnect');
    const b = await member('reconnect');
    await cut(b);
    await failTimes(a.breaker);
    await vi.waitFor(async () => expect(await a.redis.exists(`${testPrefix}breaker:{reconnect}:open`)).toBe(1), { timeout: 5_000, interval: 5 });
    expect(b.breaker.state).toBe('closed');
    await Promise.all([b.subscriber.connect(), b.redis.connect()]);
    await vi.waitFor(() => expect(b.breaker.state).toBe('open'), { timeout: 5_000, interval: 5 });
    // Away again while A's trial succeeds; back, B learns of the close.
    await cut(b);
    await closeByTrial(a);
    await vi.waitFor(async () => expect(JSON.parse((await a.redis.get(`${testPrefix}breaker:{reconnect}:last`))!)).toMatchObject({ state: 'closed' }), { timeout: 5_000, interval: 5 });
    await Promise.all([b.subscriber.connect(), b.redis.connect()]);
    await vi.waitFor(() => expect(b.breaker.state).toBe('closed'), { timeout: 5_000, interval: 5 });
  });

  it('an isolated member stays isolated when the fleet opens', async () => {
    fresh();
    const a = await member('iso');
    const b = await member('iso');
    const applied: string[] = [];
    const c = await member('iso');
    c.hub.on('applied', (e) => applied.push(e.state));
    b.breaker.isolate();
    await failTimes(a.breaker);
    await vi.waitFor(() => expect(applied).toEqual(['open']), { timeout: 5_000, interval: 5 });
    await drained([b]);
    expect(b.breaker.state).toBe('isolated');
  });

  it('a child process: its trip opens this process, and this process trip opens it', async () => {
    fresh();
    const here = await member('child');
    const child = spawnChild('child');
    try {
      await child.line('ready');
      child.send('trip');
      await vi.waitFor(() => expect(here.breaker.state).toBe('open'), { timeout: 10_000, interval: 5 });
      here.breaker.forceClose();
      child.send('reset');
      await child.line('closed');
      await failTimes(here.breaker); // announced: the child follows
      await child.line('open forced-open');
    } finally {
      child.process.kill('SIGKILL');
    }
  }, 30_000);
});

const worker = fileURLToPath(new URL('./fixtures/shared-breaker-worker.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function spawnChild(name: string): { process: ChildProcessWithoutNullStreams; send(line: string): void; line(expected: string): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, redisUrl, testPrefix, name, String(OPEN_MS)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const seen: string[] = [];
  const waiting: Array<{ expected: string; resolve(): void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    seen.push(line);
    for (const [i, w] of waiting.entries()) {
      if (line === w.expected) {
        waiting.splice(i, 1);
        w.resolve();
        break;
      }
    }
  });
  return {
    process: child,
    send: (line) => child.stdin.write(`${line}\n`),
    line: (expected) =>
      new Promise<void>((resolve, reject) => {
        if (seen.includes(expected)) return resolve();
        const timer = setTimeout(() => reject(new Error(`child never said "${expected}"; said ${JSON.stringify(seen)}; stderr ${stderr}`)), 10_000);
        waiting.push({ expected, resolve: () => (clearTimeout(timer), resolve()) });
        child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${stderr}`)));
      }),
  };
}
