/**
 * The HTTP hardening settings of the ops server (`security.http` in the config): which Host
 * headers are accepted, how many state changes a caller may make, how long a slow client may
 * hold a connection, and the caps on what the API lets a caller pile up. Each default is written
 * once here with its reason; `resolveHttpHardening` merges a caller's settings over them.
 */
import { checkInteger, checkNumber } from '../core/option-checks.js';

export interface RateSetting {
  /** Requests allowed at once before the sustained rate applies. */
  burst: number;
  /** Sustained requests per second. */
  perSecond: number;
}

export interface HttpTimeouts {
  /** Time to receive the request's headers (node `headersTimeout`). */
  headersMs: number;
  /** Time to receive the whole request, body included (node `requestTimeout`). */
  requestMs: number;
  /** A socket with no traffic at all for this long is closed (fastify `connectionTimeout`). */
  idleMs: number;
  /** An idle keep-alive connection is closed after this long (node `keepAliveTimeout`). */
  keepAliveMs: number;
}

export interface HttpHardening {
  /** Host header values accepted besides the bind host and localhost: `name` (any port) or `name:port`. */
  allowedHosts: readonly string[];
  rateLimit: { perPrincipal: RateSetting; perSource: RateSetting };
  timeouts: HttpTimeouts;
  /** Most alert rules the API accepts; one more is refused with 409. */
  maxAlertRules: number;
}

export interface HttpHardeningOptions {
  allowedHosts?: readonly string[];
  rateLimit?: { perPrincipal?: Partial<RateSetting>; perSource?: Partial<RateSetting> };
  timeouts?: Partial<HttpTimeouts>;
  maxAlertRules?: number;
}

export const HTTP_HARDENING_DEFAULTS: HttpHardening = {
  allowedHosts: [], // the bind host and localhost only: a DNS-rebound name is refused unless the operator names it
  rateLimit: {
    perPrincipal: { burst: 30, perSecond: 2 }, // an operator clicks a few times a second at most; 500 resets in 2 s is a script gone wrong
    perSource: { burst: 60, perSecond: 5 }, // several principals may share one address (a proxy, a desk): looser than per principal
  },
  timeouts: {
    headersMs: 10_000, // headers are a few hundred bytes: ten seconds covers any real client, and cuts a slowloris
    requestMs: 15_000, // the largest body (1 MiB) arrives in well under a second on any link that can run the API
    idleMs: 60_000, // a socket silent this long is dead; the event stream writes every second, so it is never idle
    keepAliveMs: 5_000, // Node's own default: long enough for a dashboard's next poll, short enough to free sockets
  },
  maxAlertRules: 2_000, // a desk runs tens to hundreds; 2,000 rules is already 2.5 MB of rule list to every dashboard
};

/** How often node checks request and header timeouts; node's 30 s default would let a slow body live 30 s past its limit. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

const rate = (where: string, base: RateSetting, given: Partial<RateSetting> | undefined): RateSetting => {
  const r = { ...base, ...given };
  checkInteger('security.http', `${where}.burst`, r.burst, 1);
  checkNumber('security.http', `${where}.perSecond`, r.perSecond, 0, Infinity, true);
  return r;
};

/** The settings with every default filled in; an invalid value throws naming its key. */
export function resolveHttpHardening(options: HttpHardeningOptions = {}): HttpHardening {
  const d = HTTP_HARDENING_DEFAULTS;
  const timeouts = { ...d.timeouts, ...options.timeouts };
  for (const key of ['headersMs', 'requestMs', 'idleMs', 'keepAliveMs'] as const) checkInteger('security.http', `timeouts.${key}`, timeouts[key], 1);
  if (timeouts.headersMs > timeouts.requestMs) throw new RangeError(`security.http: timeouts.headersMs (${timeouts.headersMs}) must not exceed timeouts.requestMs (${timeouts.requestMs})`);
  const maxAlertRules = options.maxAlertRules ?? d.maxAlertRules;
  checkInteger('security.http', 'maxAlertRules', maxAlertRules, 1);
  return {
    allowedHosts: [...(options.allowedHosts ?? d.allowedHosts)].map((h) => h.trim().toLowerCase()),
    rateLimit: {
      perPrincipal: rate('rateLimit.perPrincipal', d.rateLimit.perPrincipal, options.rateLimit?.perPrincipal),
      perSource: rate('rateLimit.perSource', d.rateLimit.perSource, options.rateLimit?.perSource),
    },
    timeouts,
    maxAlertRules,
  };
}

/** The node server options that enforce the timeouts (for http.createServer / https.createServer). */
export function nodeServerTimeouts(t: HttpTimeouts): { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number } {
  return {
    headersTimeout: t.headersMs,
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, t.headersMs),
  };
}
