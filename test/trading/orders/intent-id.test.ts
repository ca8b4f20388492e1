import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientOrderIdFor, newIntentId } from '../../../src/trading/orders/intent-id.js';
import { seededRandom } from '../../../src/core/random.js';

describe('client order ids', () => {
  it('are deterministic, short, alphanumeric and distinct per intent (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        const ida = clientOrderIdFor(a);
        expect(ida).toBe(clientOrderIdFor(a));
        expect(ida).toMatch(/^bw[A-Za-z0-9]{30}$/);
        if (a !== b) expect(ida).not.toBe(clientOrderIdFor(b));
      }),
    );
  });

  it('honour prefix and length, and refuse bad options', () => {
    expect(clientOrderIdFor('x', { prefix: 'bot7', maxLength: 36 })).toMatch(/^bot7[A-Za-z0-9]{32}$/);
    expect(() => clientOrderIdFor('')).toThrow(/intentId must be a non-empty string/);
    expect(() => clientOrderIdFor('x', { prefix: 'a-b' })).toThrow(/prefix must be letters and digits/);
    expect(() => clientOrderIdFor('x', { maxLength: 10 })).toThrow(/maxLength must be an integer/);
  });

  it('new intent ids come from the injected randomness', () => {
    expect(newIntentId(seededRandom(3))).toBe(newIntentId(seededRandom(3)));
    expect(newIntentId(seededRandom(3))).toMatch(/^[0-9a-f]{32}$/);
  });
});
