/**
 * Rewrites the `?` placeholders of our dialect-neutral SQL to PostgreSQL's `$1, $2, ...`.
 *
 * A tokenizer of PostgreSQL's lexical rules decides what a `?` is. It is left alone inside
 *   'strings' (with '' inside), E'escape strings' (with \' inside), $$dollar$$ / $tag$quoted$tag$
 *   strings, "quoted identifiers", -- line comments and nested /* block comments *\/;
 * and it is left alone where it is an operator: PostgreSQL's jsonb `?`, `?|` and `?&` stand after an
 * operand (a column, a literal, `)` or a placeholder), where a placeholder cannot stand.
 *
 *   SELECT * FROM t WHERE data ? ? AND id = ?   ->   SELECT * FROM t WHERE data ? $1 AND id = $2
 *
 * After a bare word, a `?` is a placeholder when the word is a keyword that a value follows
 * (`WHERE ?`, `LIMIT ?`, `THEN ?`; VALUE_KEYWORDS) and an operator when the word names a column.
 * Results are cached: statements repeat.
 */
const cache = new Map<string, string>();
const cacheSize = 1_000;

/** Keywords after which a value (so a placeholder) may stand; any other bare word is an operand. */
const VALUE_KEYWORDS = new Set([
  'all', 'and', 'any', 'between', 'by', 'case', 'distinct', 'else', 'escape', 'exists', 'first', 'for', 'from', 'having',
  'ilike', 'in', 'is', 'like', 'limit', 'next', 'not', 'offset', 'on', 'or', 'overlaps', 'returning', 'select', 'similar',
  'some', 'then', 'to', 'values', 'when', 'where', 'zone',
]);

const wordStart = /[A-Za-z_\u0080-\uffff]/;
const wordPart = /[A-Za-z0-9_$\u0080-\uffff]/;
const dollarTag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

export function toPostgresPlaceholders(sql: string): string {
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  const out = rewrite(sql);
  if (cache.size >= cacheSize) cache.clear();
  cache.set(sql, out);
  return out;
}

function rewrite(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  /** Whether the last token was an operand (so a `?` now is an operator, not a value). */
  let afterOperand = false;
  const copy = (end: number): void => {
    out += sql.slice(i, end);
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      copy(i + 1);
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      copy(end === -1 ? sql.length : end);
    } else if (c === '/' && next === '*') {
      copy(blockCommentEnd(sql, i));
    } else if (c === "'") {
      copy(quotedEnd(sql, i, "'", false));
      afterOperand = true;
    } else if (c === '"') {
      copy(quotedEnd(sql, i, '"', false));
      afterOperand = true;
    } else if (c === '$' && dollarTag.test(sql.slice(i, i + 65))) {
      const tag = dollarTag.exec(sql.slice(i, i + 65))![0];
      const close = sql.indexOf(tag, i + tag.length);
      copy(close === -1 ? sql.length : close + tag.length);
      afterOperand = true;
    } else if (c === '$' && next !== undefined && next >= '0' && next <= '9') {
      let end = i + 1;
      while (end < sql.length && sql[end]! >= '0' && sql[end]! <= '9') end++;
      copy(end); // a native $n already in the text
      afterOperand = true;
    } else if (wordStart.test(c)) {
      let end = i + 1;
      while (end < sql.length && wordPart.test(sql[end]!)) end++;
      const word = sql.slice(i, end);
      if (sql[end] === "'") {
        // A prefixed string: E'...' takes backslash escapes; B'', X'', N'' do not.
        copy(quotedEnd(sql, end, "'", word === 'E' || word === 'e'));
      } else if ((word === 'U' || word === 'u') && sql[end] === '&' && (sql[end + 1] === "'" || sql[end + 1] === '"')) {
        copy(quotedEnd(sql, end + 1, sql[end + 1]!, false));
      } else {
        copy(end);
        afterOperand = !VALUE_KEYWORDS.has(word.toLowerCase());
        continue;
      }
      afterOperand = true;
    } else if (c >= '0' && c <= '9') {
      let end = i + 1;
      while (end < sql.length && /[0-9.eE_]/.test(sql[end]!)) end++;
      copy(end);
      afterOperand = true;
    } else if (c === '?') {
      if (afterOperand) {
        copy(next === '|' || next === '&' ? i + 2 : i + 1); // jsonb ?, ?| or ?&
        afterOperand = false;
      } else {
        out += `$${++n}`;
        i++;
        afterOperand = true;
      }
    } else {
      copy(i + 1);
      afterOperand = c === ')' || c === ']';
    }
  }
  return out;
}

/** The index after the quote that closes the one at `start`; a doubled quote (and, if `backslash`, \x) stays inside. */
function quotedEnd(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The index after the block comment that opens at `start`; PostgreSQL's block comments nest. */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
