import { describe, expect, it } from 'vitest';
import { isPrimaryLost, markNotApplied, mayRetryWrite, wasNotApplied } from '../../src/storage/write-safety.js';

const pgError = (code: string): Error => Object.assign(new Error(`SQLSTATE ${code}`), { code });
const lost = (): Error => new Error('Connection terminated unexpectedly');

describe('whether a failed write may be sent again', () => {
  it('a standby refusing the write (25006) says the primary moved, and nothing was written: retry', () => {
    const error = pgError('25006');
    expect(isPrimaryLost(error)).toBe(true);
    expect(wasNotApplied(error)).toBe(true);
    expect(mayRetryWrite(error)).toBe(true);
  });

  it('a connection lost after the statement was sent: the outcome is unknown, never retried', () => {
    const error = lost();
    expect(isPrimaryLost(error)).toBe(true);
    expect(wasNotApplied(error)).toBe(false);
    expect(mayRetryWrite(error)).toBe(false);
  });

  it('the same loss marked by the storage as never sent (no connection, or a transaction before COMMIT): retry', () => {
    const error = lost();
    markNotApplied(error);
    expect(mayRetryWrite(error)).toBe(true);
  });

  it('fatal SQLSTATEs (08 connection exception, 57P shutdown) can follow a commit: not proof of anything', () => {
    for (const code of ['08006', '57P01', '57P02']) {
      expect(isPrimaryLost(pgError(code))).toBe(true);
      expect(wasNotApplied(pgError(code))).toBe(false);
      expect(mayRetryWrite(pgError(code))).toBe(false);
    }
  });

  it('an ordinary refusal (a unique violation) did not apply, but says nothing about the primary: not retried', () => {
    const error = pgError('23505');
    expect(wasNotApplied(error)).toBe(true);
    expect(isPrimaryLost(error)).toBe(false);
    expect(mayRetryWrite(error)).toBe(false);
  });

  it('values that are not objects are never marked nor retried', () => {
    markNotApplied('boom');
    expect(mayRetryWrite('boom')).toBe(false);
    expect(mayRetryWrite(undefined)).toBe(false);
  });
});
