import { createHash } from 'node:crypto';
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

  // Journals written by earlier versions hold these ids: a restart must look up the very id it sent.
  it('are the ids earlier versions derived (pinned values)', () => {
    expect(clientOrderIdFor('dup')).toBe('bwbdOLzdSDIIGat1gM7YJWCQ5hYRgaHa');
    expect(clientOrderIdFor('bench-1')).toBe('bweaSu0giKvZprCjtTRGJaZETr2fdltP');
    expect(clientOrderIdFor('x', { prefix: 'bot7', maxLength: 36 })).toBe('bot7Am5Y8z1AgfodU5yu2sif3KOFWFS5nle9');
    expect(clientOrderIdFor('ü€𝄞', { prefix: '', maxLength: 64 })).toBe('9QjgeQD3qjdTVkjZcWSKqvM2H48GlBIGtMRQHVizl7X');
    expect(clientOrderIdFor('a', { maxLength: 45 })).toBe('bwm2WfvneMdx1OPxfxkymSBtV6WTLflkV406Fp1iO9phD');
  });

  it('equal base62 of SHA-256 computed with BigInt, for any string (property)', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const reference = (intentId: string): string => {
      let value = BigInt(`0x${createHash('sha256').update(intentId, 'utf8').digest('hex')}`);
      let out = '';
      while (value > 0n) {
        out = alphabet[Number(value % 62n)] + out;
        value /= 62n;
      }
      return out.padStart(43, '0');
    };
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), (intentId) => {
        expect(clientOrderIdFor(intentId, { prefix: '', maxLength: 64 })).toBe(reference(intentId));
      }),
      { numRuns: 500 },
    );
  });

  it('honour prefix and length, and refuse bad options', () => {
    expect(clientOrderIdFor('x', { prefix: 'bot7', maxLength: 36 })).toMatch(/^bot7[A-Za-z0-9]{32}$/);
    expect(() => clientOrderIdFor('')).toThrow(/intentId must be a non-empty string/);
    expect(() => clientOrderIdFor('x', { prefix: 'a-b' })).toThrow(/prefix must be letters and digits/);
    expect(() => clientOrderIdFor('x', { maxLength: 10 })).toThrow(/maxLength must be an integer/);
  });

  it('check options given again: a changed options object is checked anew, a frozen bad one refused every time', () => {
    const options: { prefix: string; maxLength: number } = { prefix: 'ab', maxLength: 32 };
    expect(clientOrderIdFor('x', options)).toMatch(/^ab/);
    options.prefix = 'a-b';
    expect(() => clientOrderIdFor('x', options)).toThrow(/prefix must be letters and digits/);
    const frozen = Object.freeze({ prefix: 'a_b' });
    expect(() => clientOrderIdFor('x', frozen)).toThrow(/prefix must be letters and digits/);
    expect(() => clientOrderIdFor('x', frozen)).toThrow(/prefix must be letters and digits/);
    expect(clientOrderIdFor('x', Object.freeze({ prefix: 'cd' }))).toBe(clientOrderIdFor('x', { prefix: 'cd' }));
  });

  it('new intent ids come from the injected randomness', () => {
    expect(newIntentId(seededRandom(3))).toBe(newIntentId(seededRandom(3)));
    expect(newIntentId(seededRandom(3))).toMatch(/^[0-9a-f]{32}$/);
  });
});
