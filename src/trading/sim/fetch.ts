/**
 * The simulator as a WHATWG fetch, with no socket: hand it to ccxt as `fetchImplementation` and
 * an unmodified ccxt exchange runs fully offline against the simulated exchange.
 *
 * A dropped reply becomes a failed fetch (ccxt: NetworkError). A held reply becomes a timeout
 * (ccxt: RequestTimeout) when it is held at least `timeoutMs`; a shorter hold answers at once, so
 * nothing here waits on any clock.
 */
import type { SimRouter } from './router.js';
import { withDefaults } from '../../core/options.js';

export interface SimFetchOptions {
  /** A held reply at least this long is a client timeout. */
  timeoutMs?: number;
}

export const SIM_FETCH_DEFAULTS = {
  // ccxt's own default request timeout.
  timeoutMs: 10_000,
} satisfies Required<SimFetchOptions>;

export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: unknown }) => Promise<Response>;

export function simFetch(router: SimRouter, options: SimFetchOptions = {}): FetchLike {
  const { timeoutMs } = withDefaults(SIM_FETCH_DEFAULTS, options);
  return async (url, init = {}) => {
    const parsed = new URL(url);
    const reply = await router.handle({
      method: init.method ?? 'GET',
      url: parsed.pathname + parsed.search,
      body: typeof init.body === 'string' ? init.body : '',
    });
    if (reply.kind === 'drop') throw new TypeError('fetch failed', { cause: new Error('other side closed') });
    if (reply.delayMs >= timeoutMs) throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  };
}
