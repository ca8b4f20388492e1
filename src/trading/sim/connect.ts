/**
 * Points an unmodified ccxt exchange at the simulator: every REST base URL keeps its path
 * (/api/v3, /sapi/v1, ...) and gets the simulator's origin.
 */

interface HasApiUrls {
  urls: { api?: unknown };
}

/** Rewrites `exchange.urls.api` in place so every REST call goes to `baseUrl`; returns the exchange. */
export function pointAtSimulator<E extends HasApiUrls>(exchange: E, baseUrl: string): E {
  const origin = new URL(baseUrl).origin;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string' && /^https?:\/\//.test(value)) {
      const url = new URL(value);
      return `${origin}${url.pathname.replace(/\/$/, '')}`;
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    }
    return value;
  };
  exchange.urls = { ...exchange.urls, api: rewrite(exchange.urls.api) };
  return exchange;
}
