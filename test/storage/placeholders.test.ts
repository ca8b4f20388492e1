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

  describe('regressions', () => {
    it('keeps the jsonb ?, ?| and ?& operators after an operand and numbers the placeholders beside them', () => {
      expect(toPostgresPlaceholders('SELECT id FROM t WHERE data ? ? AND id = ?')).toBe('SELECT id FROM t WHERE data ? $1 AND id = $2');
      expect(toPostgresPlaceholders("SELECT id FROM t WHERE data ?| array['a', 'b'] AND data ?& ?")).toBe("SELECT id FROM t WHERE data ?| array['a', 'b'] AND data ?& $1");
      expect(toPostgresPlaceholders("SELECT ?::jsonb ? 'k', (data->'x') ? ?")).toBe("SELECT $1::jsonb ? 'k', (data->'x') ? $2");
      expect(toPostgresPlaceholders("SELECT '{\"a\":1}'::jsonb ? 'a'")).toBe("SELECT '{\"a\":1}'::jsonb ? 'a'");
    });

    it('leaves a ? inside /* block comments */ alone, nested ones included', () => {
      expect(toPostgresPlaceholders('SELECT /* why? */ ? FROM t WHERE a = ?')).toBe('SELECT /* why? */ $1 FROM t WHERE a = $2');
      expect(toPostgresPlaceholders('SELECT /* outer /* inner ? */ still ? */ ?')).toBe('SELECT /* outer /* inner ? */ still ? */ $1');
    });

    it("counts placeholders after E'it\\'s ?' (a backslash-escaped quote does not close the string)", () => {
      expect(toPostgresPlaceholders("SELECT E'it\\'s ?', ?, e'\\\\', ?")).toBe("SELECT E'it\\'s ?', $1, e'\\\\', $2");
    });

    it("keeps doubled quotes inside strings and identifiers: 'it''s ?' and \"a\"\"?\"", () => {
      expect(toPostgresPlaceholders(`SELECT 'it''s ?', "a""?", ?`)).toBe(`SELECT 'it''s ?', "a""?", $1`);
    });

    it('leaves dollar-quoted strings alone, tagged or not', () => {
      expect(toPostgresPlaceholders('SELECT $$ ? $$, $tag$ ?$$? $tag$, ?')).toBe('SELECT $$ ? $$, $tag$ ?$$? $tag$, $1');
    });
  });

  it('reads a ? after a keyword that a value follows as a placeholder', () => {
    expect(toPostgresPlaceholders('SELECT ? FROM t WHERE a BETWEEN ? AND ? OR b IN (?, ?) ORDER BY a LIMIT ? OFFSET ?')).toBe(
      'SELECT $1 FROM t WHERE a BETWEEN $2 AND $3 OR b IN ($4, $5) ORDER BY a LIMIT $6 OFFSET $7',
    );
    expect(toPostgresPlaceholders('SELECT CASE WHEN ? THEN ? ELSE ? END, a IS DISTINCT FROM ?, NOT ?, b LIKE ? ESCAPE ?')).toBe(
      'SELECT CASE WHEN $1 THEN $2 ELSE $3 END, a IS DISTINCT FROM $4, NOT $5, b LIKE $6 ESCAPE $7',
    );
    expect(toPostgresPlaceholders('UPDATE t SET a = ?, b = COALESCE(?, b) WHERE id = ? RETURNING a')).toBe('UPDATE t SET a = $1, b = COALESCE($2, b) WHERE id = $3 RETURNING a');
  });

  it('property: placeholders in value positions are numbered 1..n whatever quotes, comments and operators stand between them', () => {
    const pieces = [
      { sql: '?', values: 1 },
      { sql: "'?'", values: 0 },
      { sql: "E'\\'?'", values: 0 },
      { sql: '"?"', values: 0 },
      { sql: '$$?$$', values: 0 },
      { sql: '/* ? /* ? */ */ ?', values: 1 },
      { sql: '-- ?\n?', values: 1 },
      { sql: 'data ? ?', values: 1 },
      { sql: 'data ?| ?', values: 1 },
      { sql: '(? + ?)', values: 2 },
      { sql: '?::text', values: 1 },
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 20 }), (parts) => {
        const out = toPostgresPlaceholders(`SELECT ${parts.map((p) => p.sql).join(', ')}`);
        const count = parts.reduce((sum, p) => sum + p.values, 0);
        const numbers = [...out.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
        expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }),
    );
  });
});
