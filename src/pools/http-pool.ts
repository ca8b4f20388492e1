/**
 * HTTP connection pools over undici: one pool per origin with its own connection limit,
 * keep-alive and timeouts, per-origin statistics, an optional resilience policy per origin
 * (e.g. a circuit breaker) and a health check per origin.
 */
import { Pool } from 'undici';
import { checkInteger, checkNumber } from '../core/option-checks.js';
import type { Policy } from '../core/policy.js';
import { CategorizedError } from '../core/taxonomy.js';
import type { CheckResultLike, HealthCheckLike } from '../core/health-check-like.js';

export interface OriginOptions {
  /** Most sockets open to the origin at once; more requests queue. */
  connections?: number;
  /** How long an idle keep-alive socket stays open. */
  keepAliveTimeoutMs?: number;
  /** Longest wait for the response headers. */
  headersTimeoutMs?: number;
  /** Longest gap between two chunks of the body. */
  bodyTimeoutMs?: number;
  /** Longest wait to open a socket. */
  connectTimeoutMs?: number;
}

export const ORIGIN_DEFAULTS: Required<OriginOptions> = {
  connections: 10, // exchanges throttle per connection as much as per key; 10 is ample
  keepAliveTimeoutMs: 4_000, // below the 5 s idle timeout most servers and LBs use, so we close first
  headersTimeoutMs: 10_000, // an exchange REST call slower than this is failing
  bodyTimeoutMs: 30_000, // large order books and OHLCV pages can stream slowly
  connectTimeoutMs: 5_000, // TCP + TLS to a healthy origin takes well under a second
};

export interface HttpPoolOptions {
  /** Options for every origin not listed in `origins`. */
  defaults?: OriginOptions;
  /** Per-origin options, keyed by origin (`https://api.example.com`). */
  origins?: Readonly<Record<string, OriginOptions>>;
  /** A policy per origin, made once on first use (e.g. `(o) => circuitBreaker({ name: o })`). */
  policyFor?: (origin: string) => Policy;
  /** Responses that count as failures (thrown as HttpStatusError, so a breaker sees them). */
  isFailure?: (status: number) => boolean;
}

export const HTTP_POOL_DEFAULTS = {
  isFailure: (status: number): boolean => status >= 500 || status === 429, // server trouble and throttling; 4xx is the caller's mistake
} as const;

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = unknown>(): T;
}

/** A response the pool counts as a failure. */
export class HttpStatusError extends CategorizedError {
  readonly status: number;
  readonly response: HttpResponse;
  constructor(origin: string, response: HttpResponse) {
    const category = response.status === 429 ? 'rate-limit' : response.status === 401 || response.status === 403 ? 'auth' : response.status >= 500 ? 'network' : 'validation';
    super({ category, code: `HTTP_${response.status}`, message: `${origin} answered HTTP ${response.status}`, details: { origin, status: response.status } });
    this.status = response.status;
    this.response = response;
  }
}

export interface OriginStats {
  origin: string;
  requests: number;
  failures: number;
  /** Open sockets, idle sockets, and requests running, pending and queued (from undici). */
  connected: number;
  free: number;
  running: number;
  pending: number;
  queued: number;
}

/** The ready-made health check (a `HealthCheckDefinition` of bulwark/health, by shape). */
export type OriginHealthCheck = HealthCheckLike<Promise<CheckResultLike<'up' | 'down'>>>;

interface OriginState {
  pool: Pool;
  policy: Policy | undefined;
  requests: number;
  failures: number;
}

function checkOrigin(where: string, options: OriginOptions): Required<OriginOptions> {
  const merged = { ...ORIGIN_DEFAULTS, ...options };
  checkInteger('httpPool', `${where}.connections`, merged.connections, 1);
  for (const key of ['keepAliveTimeoutMs', 'headersTimeoutMs', 'bodyTimeoutMs', 'connectTimeoutMs'] as const) {
    checkNumber('httpPool', `${where}.${key}`, merged[key], 0, Infinity, true);
  }
  return merged;
}

export class HttpPool {
  private readonly origins = new Map<string, OriginState>();
  private readonly defaults: Required<OriginOptions>;
  private readonly perOrigin: ReadonlyMap<string, Required<OriginOptions>>;
  private readonly isFailure: (status: number) => boolean;
  private closed = false;

  constructor(private readonly options: HttpPoolOptions = {}) {
    this.defaults = checkOrigin('defaults', options.defaults ?? {});
    this.perOrigin = new Map(
      Object.entries(options.origins ?? {}).map(([key, o]) => {
        const origin = new URL(key).origin;
        return [origin, checkOrigin(`origins["${origin}"]`, { ...options.defaults, ...o })];
      }),
    );
    this.isFailure = options.isFailure ?? HTTP_POOL_DEFAULTS.isFailure;
  }

  /** Sends a request through the origin's pool (and policy); the body is read in full. */
  async request(url: string | URL, request: HttpRequest = {}): Promise<HttpResponse> {
    if (this.closed) throw new Error('httpPool is closed');
    const target = new URL(url);
    const state = this.stateOf(target.origin);
    const send = async (signal: AbortSignal | undefined): Promise<HttpResponse> => {
      state.requests++;
      try {
        const response = await state.pool.request({
          path: `${target.pathname}${target.search}`,
          method: request.method ?? 'GET',
          ...(request.headers ? { headers: request.headers } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(signal ? { signal } : {}),
        });
        const body = await response.body.text();
        const result: HttpResponse = { status: response.statusCode, headers: response.headers, body, json: <T>() => JSON.parse(body) as T };
        if (this.isFailure(result.status)) throw new HttpStatusError(target.origin, result);
        return result;
      } catch (error) {
        state.failures++;
        throw error;
      }
    };
    if (!state.policy) return send(request.signal);
    return state.policy.execute(({ signal }) => send(signal), request.signal ? { signal: request.signal } : undefined);
  }

  /** Statistics of one origin, or of every origin used so far. */
  stats(): OriginStats[];
  stats(origin: string): OriginStats | undefined;
  stats(origin?: string): OriginStats[] | OriginStats | undefined {
    const one = (key: string, state: OriginState): OriginStats => {
      const s = state.pool.stats;
      return { origin: key, requests: state.requests, failures: state.failures, connected: s.connected, free: s.free, running: s.running, pending: s.pending, queued: s.queued };
    };
    if (origin !== undefined) {
      const key = new URL(origin).origin;
      const state = this.origins.get(key);
      return state ? one(key, state) : undefined;
    }
    return [...this.origins].map(([key, state]) => one(key, state));
  }

  /** A health check for an origin: up when `path` answers without a failure status. */
  healthCheck(origin: string, options: { path?: string; critical?: boolean } = {}): OriginHealthCheck {
    const base = new URL(origin);
    const name = `http:${base.host}`;
    return {
      name,
      group: 'services',
      component: base.host,
      measurement: 'responseTime',
      critical: options.critical ?? false,
      tags: ['services', 'http'],
      check: async () => {
        try {
          const response = await this.request(new URL(options.path ?? '/', base));
          return { status: 'up', details: { observedValue: response.status } };
        } catch (error) {
          return { status: 'down', message: error instanceof Error ? error.message : String(error) };
        }
      },
    };
  }

  /** Closes every pool, letting requests in flight finish. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.origins.values()].map((s) => s.pool.close()));
  }

  private stateOf(origin: string): OriginState {
    let state = this.origins.get(origin);
    if (!state) {
      const o = this.perOrigin.get(origin) ?? this.defaults;
      state = {
        pool: new Pool(origin, {
          connections: o.connections,
          keepAliveTimeout: o.keepAliveTimeoutMs,
          headersTimeout: o.headersTimeoutMs,
          bodyTimeout: o.bodyTimeoutMs,
          connectTimeout: o.connectTimeoutMs,
        }),
        policy: this.options.policyFor?.(origin),
        requests: 0,
        failures: 0,
      };
      this.origins.set(origin, state);
    }
    return state;
  }
}

export function httpPool(options?: HttpPoolOptions): HttpPool {
  return new HttpPool(options);
}
