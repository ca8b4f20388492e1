import { describe, expect, it } from 'vitest';
import { parseBreakerChange } from '../../src/fleet/shared-breaker-message.js';

describe('parseBreakerChange', () => {
  it('reads an announced change', () => {
    expect(parseBreakerChange('{"v":1,"epoch":3,"state":"open","ms":30000,"from":"bot-1"}')).toEqual({ epoch: 3, state: 'open', ms: 30_000, from: 'bot-1' });
    expect(parseBreakerChange('{"v":1,"epoch":4,"state":"closed","ms":0,"from":"bot-2"}')).toMatchObject({ state: 'closed' });
  });

  it.each([
    ['not JSON', 'open'],
    ['another version', '{"v":2,"epoch":3,"state":"open","ms":1,"from":"x"}'],
    ['an unknown state', '{"v":1,"epoch":3,"state":"half-open","ms":1,"from":"x"}'],
    ['a fractional epoch', '{"v":1,"epoch":3.5,"state":"open","ms":1,"from":"x"}'],
    ['a negative duration', '{"v":1,"epoch":3,"state":"open","ms":-1,"from":"x"}'],
    ['no sender', '{"v":1,"epoch":3,"state":"open","ms":1}'],
    ['null', 'null'],
  ])('ignores %s', (_, text) => {
    expect(parseBreakerChange(text)).toBeUndefined();
  });
});
