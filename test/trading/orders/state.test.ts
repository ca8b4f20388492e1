import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, intentStates, stateOfOrder, terminalStates } from '../../../src/trading/orders/state.js';

describe('intent state machine', () => {
  it('final states never move', () => {
    for (const from of terminalStates) for (const to of intentStates) if (to !== from) expect(canTransition(from, to)).toBe(false);
  });

  it('UNKNOWN leaves only to what a lookup can show, or FAILED; never back to SENT', () => {
    expect(canTransition('UNKNOWN', 'FILLED')).toBe(true);
    expect(canTransition('UNKNOWN', 'FAILED')).toBe(true);
    expect(canTransition('UNKNOWN', 'SENT')).toBe(false);
    expect(canTransition('UNKNOWN', 'REJECTED')).toBe(false);
    expect(() => assertTransition('i', 'FILLED', 'OPEN')).toThrow(/cannot move from FILLED to OPEN \(allowed: none, it is final\)/);
  });

  it('PENDING may move wherever SENT may (SENT is written behind the request), never back', () => {
    for (const to of intentStates) if (to !== 'PENDING' && to !== 'SENT') expect(canTransition('PENDING', to)).toBe(canTransition('SENT', to));
    expect(canTransition('PENDING', 'SENT')).toBe(true);
    expect(canTransition('SENT', 'PENDING')).toBe(false);
    expect(canTransition('UNKNOWN', 'PENDING')).toBe(false);
  });

  it('maps ccxt order statuses', () => {
    expect(stateOfOrder({ status: 'open', filled: 0 })).toBe('OPEN');
    expect(stateOfOrder({ status: 'open', filled: 0.5 })).toBe('PARTIALLY_FILLED');
    expect(stateOfOrder({ status: 'closed' })).toBe('FILLED');
    expect(stateOfOrder({ status: 'canceled' })).toBe('CANCELED');
    expect(stateOfOrder({ status: 'expired' })).toBe('EXPIRED');
    expect(stateOfOrder({ status: 'rejected' })).toBe('REJECTED');
  });
});
