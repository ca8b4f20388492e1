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
