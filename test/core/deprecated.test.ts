import { afterEach, describe, expect, it, vi } from 'vitest';
import { deprecatedOption, warnDeprecated } from '../../src/core/deprecated.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('warnDeprecated', () => {
  it('emits one DeprecationWarning per code, however often it is called', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    warnDeprecated('TEST_DEP_ONCE', 'x is deprecated');
    warnDeprecated('TEST_DEP_ONCE', 'x is deprecated');
    warnDeprecated('TEST_DEP_OTHER', 'y is deprecated');
    expect(emit.mock.calls).toEqual([
      ['x is deprecated', { type: 'DeprecationWarning', code: 'TEST_DEP_ONCE' }],
      ['y is deprecated', { type: 'DeprecationWarning', code: 'TEST_DEP_OTHER' }],
    ]);
  });
});

describe('deprecatedOption', () => {
  it('reads the current name when the old one is absent, without warning', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(deprecatedOption('c', { now: 1 }, 'now', 'old', 'TEST_DEP_A')).toBe(1);
    expect(deprecatedOption('c', {}, 'now', 'old', 'TEST_DEP_A')).toBeUndefined();
    expect(deprecatedOption('c', undefined, 'now', 'old', 'TEST_DEP_A')).toBeUndefined();
    expect(emit).not.toHaveBeenCalled();
  });

  it('reads the old name and warns once, naming the component and both names', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(deprecatedOption('c', { old: 2 }, 'now', 'old', 'TEST_DEP_B')).toBe(2);
    expect(deprecatedOption('c', { old: 3 }, 'now', 'old', 'TEST_DEP_B')).toBe(3);
    expect(emit.mock.calls).toEqual([['c: option old is deprecated and will be removed at 1.0; use now', { type: 'DeprecationWarning', code: 'TEST_DEP_B' }]]);
  });

  it('accepts both names with one value and refuses two values, naming both', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(deprecatedOption('c', { now: 4, old: 4 }, 'now', 'old', 'TEST_DEP_C')).toBe(4);
    expect(() => deprecatedOption('c', { now: 4, old: 5 }, 'now', 'old', 'TEST_DEP_C')).toThrow(
      new TypeError('c: old (deprecated) and now are the same option; give only now (got 5 and 4)'),
    );
  });
});
