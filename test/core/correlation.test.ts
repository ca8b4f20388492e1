import { describe, expect, it } from 'vitest';
import { correlationMixin, currentCorrelationId, newCorrelationId, withCorrelationId } from '../../src/core/correlation.js';
import { flush } from '../support/async.js';

describe('correlation ids', () => {
  it('flow through awaits, timers and nested calls, and stay apart between concurrent calls', async () => {
    const seen: string[] = [];
    const work = async (id: string): Promise<void> =>
      withCorrelationId(id, async () => {
        await Promise.resolve();
        await flush();
        seen.push(`${id}=${currentCorrelationId()}`);
      });
    await Promise.all([work('a'), work('b')]);
    expect(seen.sort()).toEqual(['a=a', 'b=b']);
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('the innermost id wins, and a fresh one is made when none is given', () => {
    withCorrelationId('outer', () => {
      withCorrelationId('inner', () => expect(currentCorrelationId()).toBe('inner'));
      expect(currentCorrelationId()).toBe('outer');
    });
    withCorrelationId(undefined, () => expect(currentCorrelationId()).toMatch(/^[0-9a-f-]{36}$/));
  });

  it('ids from injected randomness are reproducible; the pino mixin adds the id only when set', () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const first = newCorrelationId(random);
    seed = 1;
    expect(newCorrelationId(random)).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(correlationMixin()).toEqual({});
    withCorrelationId('x1', () => expect(correlationMixin()).toEqual({ correlationId: 'x1' }));
  });
});
