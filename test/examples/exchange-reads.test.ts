import { ManualClock } from 'bulwark';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/exchange-reads.js';
import { drive, seeded } from './drive.js';

describe('examples/exchange-reads', () => {
  it('honours Retry-After, retries a timed-out try, then the breaker opens and the fallback answers', async () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const result = await drive(clock, main({ clock, random: seeded(7), log: (line) => lines.push(line) }));

    const [first, second, ...rest] = result.answers;
    // Call 1: a 429 with Retry-After 1 s, then an answer: the wait was at least the Retry-After.
    expect(first).toMatchObject({ source: 'exchange', last: 64_005 });
    expect(first!.atMs).toBeGreaterThanOrEqual(1_000);
    expect(lines).toContain('retry: try 1 failed (Error: HTTP 429), next in 1000 ms');
    // Call 2: the first try hangs, the 500 ms timeout gives up on it, the retry answers.
    expect(second).toMatchObject({ source: 'exchange', last: 64_010 });
    expect(lines).toContain('timeout: no answer within 500 ms');
    // Calls 3-5: the exchange is down; every answer is the last good ticker from the cache.
    expect(rest.map((t) => [t.source, t.last])).toEqual([
      ['cache', 64_010],
      ['cache', 64_010],
      ['cache', 64_010],
    ]);
    // The breaker opened after five failures in a row, so the last call never reached the exchange.
    expect(lines).toContain('breaker: closed -> open (consecutive-failures)');
    expect(result.breakerState).toBe('open');
    expect(result.exchangeCalls).toBe(9);
    expect(lines.filter((l) => l.startsWith('retry: try') && l.includes('ECONNRESET'))).toHaveLength(4);
  });
});
