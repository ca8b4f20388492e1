import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toPostgresPlaceholders } from '../../src/storage/placeholders.js';

describe('toPostgresPlaceholders', () => {
  it('numbers ? placeholders in order', () => {
    expect(toPostgresPlaceholders('INSERT INTO t (a, b) VALUES (?, ?)')).toBe('INSERT INTO t (a, b) VALUES ($1, $2)');
  });

  it('leaves ? inside string literals, quoted identifiers and comments alone', () => {
    expect(toPostgresPlaceholders(`SELECT '?' AS "what?", ? -- why?\nFROM t WHERE a = ?`)).toBe(`SELECT '?' AS "what?", $1 -- why?\nFROM t WHERE a = $2`);
  });

  it('property: the number of $n equals the number of ? outside quotes, numbered 1..n', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', ' ', '?', ',', '(', ')'), { maxLength: 60 }), (parts) => {
        const sql = parts.join('');
        const out = toPostgresPlaceholders(sql);
        const count = parts.filter((p) => p === '?').length;
        expect(out.includes('?')).toBe(false);
        const numbers = [...out.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }),
    );
  });
});
