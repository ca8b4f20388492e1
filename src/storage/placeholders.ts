/**
 * Rewrites `?` placeholders to PostgreSQL's `$1, $2, ...`, leaving a `?` inside a quoted string,
 * a quoted identifier or a comment alone. Results are cached: statements repeat.
 */
const cache = new Map<string, string>();
const cacheSize = 1_000;

export function toPostgresPlaceholders(sql: string): string {
  const cached = cache.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (cache.size >= cacheSize) cache.clear();
  cache.set(sql, out);
  return out;
}
