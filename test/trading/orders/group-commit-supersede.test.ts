/**
 * Group commit's supersedable writes (a bare SENT in the journal): held back from urgent commits,
 * replaced by the next write of their key when it comes first, committed on their own after the
 * linger time or at a flush, and written first when the next write may not take their place.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { GroupCommit } from '../../../src/trading/orders/group-commit.js';

function ledger() {
  const commits: string[][] = [];
  const transaction = async <T>(work: (tx: string[]) => Promise<T>): Promise<T> => {
    const tx: string[] = [];
    const result = await work(tx);
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

describe('GroupCommit: supersedable writes', () => {
  it('a held write stays out of an urgent commit; the next write of its key takes its place and both settle with its result', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), lingerMs: 20 });
    const sent = writes.write('a', put('a-sent'), { supersedable: true });
    await writes.write('b', put('b-pending'));
    expect(commits).toEqual([['b-pending']]);
    expect(writes.pending('a')).toBe(true);
    const filled = writes.write('a', put('a-filled'), { deferred: true });
    await writes.write('c', put('c-pending'));
    expect(await filled).toBe('a-filled');
    expect(await sent).toBe('a-filled');
    expect(commits).toEqual([['b-pending'], ['a-filled', 'c-pending']]);
    expect(writes.pending()).toBe(false);
  });

  it('a held write with no successor is committed on its own after lingerMs', async () => {
    const clock = new ManualClock();
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 20 });
    const sent = writes.write('a', put('a-sent'), { supersedable: true });
    await writes.write('b', put('b-pending'));
    await clock.advance(19);
    expect(commits).toEqual([['b-pending']]);
    await clock.advance(1);
    expect(await sent).toBe('a-sent');
    expect(commits).toEqual([['b-pending'], ['a-sent']]);
  });

  it('a commit the linger timer forces leaves a held write younger than lingerMs behind; the timer comes back for it', async () => {
    const clock = new ManualClock();
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock, lingerMs: 20 });
    const filled = writes.write('a', put('a-filled'), { deferred: true });
    await clock.advance(15);
    const sent = writes.write('b', put('b-sent'), { supersedable: true });
    await clock.advance(5);
    expect(await filled).toBe('a-filled');
    expect(commits).toEqual([['a-filled']]);
    await clock.advance(19);
    expect(commits).toEqual([['a-filled']]);
    await clock.advance(1);
    expect(await sent).toBe('b-sent');
    expect(commits).toEqual([['a-filled'], ['b-sent']]);
  });

  it('flush commits a held write at once', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), lingerMs: 60_000 });
    const sent = writes.write('a', put('a-sent'), { supersedable: true });
    await writes.flush();
    expect(await sent).toBe('a-sent');
    expect(commits).toEqual([['a-sent']]);
  });

  it('a write that may not replace it (replaces: false) has the held write committed first, in order', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), lingerMs: 60_000 });
    const sent = writes.write('a', put('a-sent'), { supersedable: true });
    const checked = writes.write('a', put('a-unknown-from-sent'), { replaces: false });
    expect(await checked).toBe('a-unknown-from-sent');
    expect(await sent).toBe('a-sent');
    expect(commits).toEqual([['a-sent', 'a-unknown-from-sent']]);
  });

  it('a replacement refused rejects the held write it replaced too', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, (e) => e instanceof Refused, { clock: new ManualClock(), lingerMs: 60_000 });
    const sent = writes.write('a', put('a-sent'), { supersedable: true });
    const refused = writes.write('a', async () => {
      throw new Refused('a is CANCELED');
    });
    await expect(refused).rejects.toThrow('a is CANCELED');
    await expect(sent).rejects.toThrow('a is CANCELED');
    expect(commits).toEqual([[]]);
    expect(writes.pending()).toBe(false);
  });

  it('a chain of held writes settles with the last one', async () => {
    const { commits, transaction } = ledger();
    const writes = new GroupCommit<string[]>(transaction, () => false, { clock: new ManualClock(), lingerMs: 60_000 });
    const first = writes.write('a', put('a-1'), { supersedable: true });
    const second = writes.write('a', put('a-2'), { supersedable: true });
    const last = writes.write('a', put('a-3'));
    expect(await last).toBe('a-3');
    expect([await first, await second]).toEqual(['a-3', 'a-3']);
    expect(commits).toEqual([['a-3']]);
  });
});
