/**
 * Reading an exchange's answer: its own counts from response headers, and how long a 429 or
 * 418 asks the client to stay away (Retry-After, in seconds or as an HTTP date).
 */

/** Response headers as a plain object (any case, values as strings, numbers or arrays) or a fetch `Headers`. */
export type ResponseHeaders =
  | Readonly<Record<string, string | number | readonly string[] | undefined>>
  | { get(name: string): string | null };

/** The value of header `name`, matched without regard to case; the first one if repeated. */
export function headerValue(headers: ResponseHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(name);
    return value ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : String(first);
  }
  return undefined;
}

/** A count header as a non-negative whole number, or undefined when absent or malformed. */
export function headerCount(headers: ResponseHeaders | undefined, name: string): number | undefined {
  const raw = headerValue(headers, name)?.trim();
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Retry-After in ms: delta-seconds, or an HTTP date compared with `nowMs`. Undefined when absent or malformed. */
export function parseRetryAfter(headers: ResponseHeaders | undefined, nowMs: number): number | undefined {
  const raw = headerValue(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
