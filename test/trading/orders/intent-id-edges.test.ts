/** Client order ids and intent ids at their limits, and the state machine's refusal message. */
import { describe, expect, it } from 'vitest';
import { clientOrderIdFor, newIntentId } from '../../../src/trading/orders/intent-id.js';
import { assertTransition } from '../../../src/trading/orders/state.js';

describe('clientOrderIdFor limits', () => {
  it('maxLength may be exactly the prefix length + 16', () => {
    expect(clientOrderIdFor('x', { prefix: 'bw', maxLength: 18 })).toHaveLength(18);
  });

  it('uncut, the id is the prefix and 43 base62 digits of the hash', () => {
    const id = clientOrderIdFor('intent-1', { prefix: 'bw', maxLength: 100 });
    expect(id).toMatch(/^bw[0-9A-Za-z]{43}$/);
  });

  it('an intent id that is not a string is refused, naming it', () => {
    expect(() => clientOrderIdFor(5 as unknown as string)).toThrow(new TypeError('clientOrderIdFor: intentId must be a non-empty string, got 5'));
  });
});

describe('newIntentId', () => {
  it('is 32 hex digits, four 32-bit draws of the injected randomness', () => {
    expect(newIntentId(() => 0.5)).toBe('80000000'.repeat(4));
    const draws = [0, 0.25, 0.5, 0.75];
    expect(newIntentId(() => draws.shift() ?? 0)).toBe('000000004000000080000000c0000000');
  });
});

describe('assertTransition', () => {
  it('names the moves that are allowed', () => {
    expect(() => assertTransition('i1', 'UNKNOWN', 'SENT')).toThrow(
      'order intent "i1": cannot move from UNKNOWN to SENT (allowed: OPEN, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, FAILED)',
    );
  });
});
