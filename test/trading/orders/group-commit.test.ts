/**
 * Group commit: writes queued together share one transaction; deferred writes ride along with the
 * next urgent one, or go on their own after the linger time; a failed transaction is split so one
 * bad write does not sink the others, and a deferred write is tried again with its key's later
 * writes kept behind it.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { GroupCommit } from '../../../src/trading/orders/group-commit.js';

/** A transaction runner over a log: each committed transaction is one entry listing its writes. */
function ledger(options: { failWhen?: (writes: string[]) => boolean } = {}) {
  const commits: string[][] = [];
  const transaction = async <T>(work: (tx: string[]) => Promise<T>): Promise<T> => {
    const tx: string[] = [];
    const result = await work(tx);
    if (options.failWhen?.(tx)) throw new Error('database unavailable');
    commits.push(tx);
    return result;
  };
  return { commits, transaction };
}

class Refused extends Error {}

const put = (name: string) => async (tx: string[]) => {
  tx.push(name);
  return name;
};

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('urgent writes queued in one turn commit together, in order', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, (e) => e instanceof Refused, { clock: new ManualClock() });
    const results = await Promise.all([writes.write('a', put('a1')), writes.write('b', put('b1')), writes.write('c', put('c1'))]);
    expect(results).toEqual(['a1', 'b1', 'c1']);
    expect(commits).toEqual([['a1', 'b1', 'c1']]);
  });

  it('a deferred write waits for the next urgent one and shares its commit', async () => {
    const clock = new ManualClock();
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 20 });
    const later = writes.write('a', put('a-sent'), { deferred: true });
    await turn();
    await turn();
    expect(commits).toEqual([]);
    expect(writes.pending('a')).toBe(true);
    await writes.write('b', put('b-pending'));
    await later;
    expect(commits).toEqual([['a-sent', 'b-pending']]);
    expect(writes.pending()).toBe(false);
  });

  it('a deferred write with no company is committed on its own after lingerMs', async () => {
    const clock = new ManualClock();
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 20 });
    const later = writes.write('a', put('a-filled'), { deferred: true });
    await clock.advance(19);
    expect(commits).toEqual([]);
    await clock.advance(1);
    await later;
    expect(commits).toEqual([['a-filled']]);
  });

  it('flush commits deferred writes at once and resolves when they are durable', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), lingerMs: 60_000 });
    void writes.write('a', put('a1'), { deferred: true });
    void writes.write('b', put('b1'), { deferred: true });
    await writes.flush();
    expect(commits).toEqual([['a1', 'b1']]);
  });

  it('no more than maxBatch writes in one transaction', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), maxBatch: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => writes.write(k, put(k))));
    expect(commits).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('a write refused on its own (a failed compare-and-set) rejects alone; the others in its transaction commit', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, (e) => e instanceof Refused, { clock: new ManualClock() });
    const refused = writes.write('b', async () => {
      throw new Refused('b is FILLED, not SENT');
    });
    const [a, b, c] = await Promise.allSettled([writes.write('a', put('a1')), refused, writes.write('c', put('c1'))]);
    expect(a).toEqual({ status: 'fulfilled', value: 'a1' });
    expect(b.status).toBe('rejected');
    expect(c).toEqual({ status: 'fulfilled', value: 'c1' });
    expect(commits).toEqual([['a1', 'c1']]);
  });

  it('a failed transaction is split: each write is tried alone, so only the bad one fails', async () => {
    const { commits, transaction } = ledger({ failWhen: (tx) => tx.includes('poison') });
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock() });
    const outcomes = await Promise.allSettled([writes.write('a', put('a1')), writes.write('p', put('poison')), writes.write('c', put('c1'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toEqual([['a1'], ['c1']]);
  });

  it('a deferred write whose transaction fails is tried again after retryDelayMs; its key\'s later writes wait behind it', async () => {
    const clock = new ManualClock();
    let down = true;
    const { commits, transaction } = ledger({ failWhen: (tx) => down && tx.includes('a-sent') });
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 10_000, retryDelayMs: 100, writeAttempts: 3 });
    const sent = writes.write('a', put('a-sent'), { deferred: true });
    const filled = writes.write('a', put('a-filled'), { deferred: true });
    await writes.write('b', put('b-pending'));
    // a-sent failed in the shared transaction and alone; a-filled was held behind it, b committed.
    expect(commits).toEqual([['b-pending']]);
    down = false;
    await clock.advance(100);
    await Promise.all([sent, filled]);
    expect(commits).toEqual([['b-pending'], ['a-sent', 'a-filled']]);
  });

  it('a deferred write that keeps failing rejects after writeAttempts tries', async () => {
    const clock = new ManualClock();
    const { commits, transaction } = ledger({ failWhen: () => true });
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 0, retryDelayMs: 100, writeAttempts: 3 });
    let tries = 0;
    const later = writes.write(
      'a',
      async (tx) => {
        tries++;
        tx.push('a');
      },
      { deferred: true },
    );
    later.catch(() => undefined);
    for (let i = 0; i < 5; i++) await clock.advance(100);
    await expect(later).rejects.toThrow('database unavailable');
    expect(tries).toBe(3);
    expect(commits).toEqual([]);
    expect(writes.pending()).toBe(false);
  });

  it('an urgent write whose transaction fails rejects at once: its caller must not go on', async () => {
    const { transaction } = ledger({ failWhen: () => true });
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock() });
    await expect(writes.write('a', put('a-pending'))).rejects.toThrow('database unavailable');
  });

  it('with maxConcurrent 2, a second group commits while the first is open; a key busy in the first waits for it', async () => {
    const commits: string[][] = [];
    const open: Array<() => void> = [];
    // Each transaction stays open until released by hand: two can be seen running at once.
    const transaction = async <T>(work: (tx: string[]) => Promise<T>): Promise<T> => {
      const tx: string[] = [];
      const result = await work(tx);
      await new Promise<void>((resolve) => open.push(resolve));
      commits.push(tx);
      return result;
    };
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), maxConcurrent: 2 });
    const first = [writes.write('a', put('a1')), writes.write('b', put('b1'))];
    await turn();
    const second = [writes.write('a', put('a2')), writes.write('c', put('c1'))];
    await turn();
    await turn();
    // The second group runs beside the first, without a2: a's first write is still committing.
    expect(open).toHaveLength(2);
    open.splice(1, 1)[0]!();
    await second[1];
    expect(commits).toEqual([['c1']]);
    open.shift()!();
    await Promise.all(first);
    await turn();
    expect(open).toHaveLength(1);
    open.shift()!();
    await Promise.all(second);
    expect(commits).toEqual([['c1'], ['a1', 'b1'], ['a2']]);
  });

  it('applyMany takes a whole group of writes given with an op; a refusal it reports rejects only its write', async () => {
    const { commits, transaction } = ledger();
    const applied: string[][] = [];
    const writes = new GroupCommit<string[], string>(transaction, (e) => e instanceof Refused, { clock: new ManualClock() }, async (tx, ops) => {
      applied.push(ops);
      tx.push(...ops);
      return ops.map((op) => (op === 'bad' ? { ok: false, error: new Refused('no') } : { ok: true, value: op.toUpperCase() }));
    });
    const results = await Promise.allSettled([writes.write('a', put('unused'), { op: 'a1' }), writes.write('b', put('unused'), { op: 'bad' }), writes.write('c', put('unused'), { op: 'c1' })]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['A1', 'no', 'C1']);
    expect(applied).toEqual([['a1', 'bad', 'c1']]);
    expect(commits).toEqual([['a1', 'bad', 'c1']]);
  });

  it.each([
    [{ maxConcurrent: 0 }, /maxConcurrent must be an integer >= 1, got 0/],
    [{ maxBatch: 0 }, /maxBatch must be an integer >= 1, got 0/],
    [{ lingerMs: -1 }, /lingerMs must be/],
    [{ writeAttempts: 1.5 }, /writeAttempts must be an integer >= 1, got 1.5/],
    [{ retryDelayMs: Number.NaN }, /retryDelayMs must be/],
  ])('refuses %o naming the option', (options, message) => {
    expect(() => new GroupCommit<string[]>(ledger().transaction, () => false, options)).toThrow(message);
  });
});
