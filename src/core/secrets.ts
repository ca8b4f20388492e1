/**
 * Secrets never leave the process in clear: values under secret-looking keys are redacted from
 * objects, and known secret values, URL credentials and `key=value` pairs are masked in text.
 */

/** What a redacted value reads as. */
export const REDACTED = '[REDACTED]';

/** Key names that hold secrets (compared without case, `_` or `-`). */
const SECRET_KEY = /(password|passwd|passphrase|secret|token|apikey|privatekey|credential|credentials|authorization|cookie)$/i;

/** True when a key name (e.g. `apiKey`, `DB_PASSWORD`, `exchange.secret`) holds a secret. */
export function isSecretKey(key: string): boolean {
  const last = key.split('.').pop() ?? key;
  return SECRET_KEY.test(last.replace(/[_-]/g, ''));
}

/** Secret values registered at run time (e.g. by the config loader); masked in every sanitised text. */
const knownSecrets = new Set<string>();

/** Masks `value` wherever it later appears in sanitised text. Values shorter than 4 characters are ignored (too common to mask). */
export function registerSecret(value: string): void {
  if (value.length >= 4) knownSecrets.add(value);
}

/** Forgets every registered secret value (tests, or a reload with rotated secrets). */
export function clearRegisteredSecrets(): void {
  knownSecrets.clear();
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):([^@/\s]+)@/gi;
const KEY_VALUE = /\b([A-Za-z0-9_-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key))(["']?\s*[:=]\s*["']?)([^\s"',;&]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Text with registered secret values, URL passwords, `password=...` pairs and bearer tokens masked. */
export function sanitizeText(text: string, extraSecrets: Iterable<string> = []): string {
  let out = text;
  const values = [...knownSecrets, ...extraSecrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const value of values) out = out.replace(new RegExp(escapeRegExp(value), 'g'), REDACTED);
  return out
    .replace(URL_CREDENTIALS, `$1:${REDACTED}@`)
    .replace(KEY_VALUE, `$1$2${REDACTED}`)
    .replace(BEARER, `$1 ${REDACTED}`);
}

/**
 * A deep copy of `value` with every value under a secret key replaced by `[REDACTED]` and every
 * string sanitised. Cycles are cut (`[Circular]`); errors become `{ name, message }`.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: sanitizeText(value.message) };
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isSecretKey(key) && inner !== undefined && inner !== null && inner !== '' ? REDACTED : redactValue(inner, seen);
  }
  return out;
}

/**
 * Text with only the registered secret values masked, as written and as escaped inside a JSON
 * string. For API answers, metrics and stored payloads: there, `key=value`-looking text is data
 * (sanitizeText would mask it too), but a registered value is never meant to appear.
 */
export function maskRegisteredSecrets(text: string): string {
  if (knownSecrets.size === 0) return text;
  let out = text;
  const forms = new Set<string>();
  for (const value of knownSecrets) {
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  for (const form of [...forms].sort((a, b) => b.length - a.length)) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out;
}
