/**
 * Calls to the ops API (same origin, relative paths). Errors carry the server's `detail` (its errors
 * are RFC 9457 problem documents), and as an ApiError its status and the whole problem document. A change sends the session's CSRF token (the `bulwark_csrf`
 * cookie) as `X-CSRF-Token`; an answer 401 asks the page to show the sign-in form.
 */

/** Called when the API answers 401: the page shows its sign-in form. */
let onUnauthorized: () => void = () => undefined;

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** The CSRF token of the browser's session, from the cookie the server set at sign-in. */
export function csrfToken(): string | undefined {
  const match = /(?:^|;\s*)bulwark_csrf=([A-Za-z0-9_-]+)/.exec(document.cookie);
  return match?.[1];
}

/** An answer other than 2xx: its message is the problem's `detail`; `problem` is the document with any extra fields (a 409's `diff`). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call(path: string, init: RequestInit): Promise<Response> {
  const response = await fetch(path, { ...init, credentials: 'same-origin' });
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call(path, { headers: { accept: 'application/json, application/problem+json' } })).json()) as T;
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const csrf = csrfToken();
  const response = await call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) }, body: JSON.stringify(body) });
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as Record<string, unknown>;
    const text = (field: string): string | undefined => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
    return new ApiError(text('detail') ?? text('title') ?? `HTTP ${response.status}`, response.status, body);
  } catch {
    return new ApiError(`HTTP ${response.status}`, response.status, {});
  }
}
