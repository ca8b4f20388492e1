import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/dlq/time-ordered-id.js';

describe('timeOrderedId', () => {
  it('is a version-7 UUID', () => {
    expect(timeOrderedId(1_795_000_000_000)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('property: an id made at a later millisecond sorts after one made earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (t, dt) => {
        expect(timeOrderedId(t) < timeOrderedId(t + dt)).toBe(true);
      }),
    );
  });
});

describe('timeOrderedId within one millisecond (regression: ids of one millisecond were in random order)', () => {
  it('sorts ids made in the same millisecond in the order they were made, past 4 096 of them', () => {
    const ms = 2 ** 47 + 2 ** 41; // later than any time the property above uses, so this millisecond is new
    const ids = Array.from({ length: 10_000 }, () => timeOrderedId(ms));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.replace('-', '').slice(0, 12)).toBe(ms.toString(16).padStart(12, '0'));
  });

  it('sorts an id made after the clock stepped back after the ids made before it', () => {
    const before = timeOrderedId(2 ** 47 + 2 ** 42);
    const after = timeOrderedId(2 ** 47 + 2 ** 41);
    expect(after > before).toBe(true);
  });
});
