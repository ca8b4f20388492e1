/**
 * Every HTTP request of a ccxt exchange through a failover group of REST base URLs: at ccxt's
 * `fetch`, the origin of the URL ccxt built is replaced by the base URL of the endpoint the group
 * picks, and the request's outcome (endpoint-outcome.ts) and latency go back to the group.
 *
 * Which requests: those to the exchange's REST origin (the origin of `urls.api.public`, else of the
 * first URL in `urls.api`: api.binance.com, or the simulator's after `pointAtSimulator`). Requests to
 * other origins (a futures host) pass untouched.
 *
 * Another endpoint after a gateway failure (a timeout, a refused connection, a 5xx), up to
 * `attempts` tries in all, each after the first drawing on the retry budget:
 *   - a read (GET, HEAD) or a cancel (DELETE: cancelling twice is harmless, cancelOrder already
 *     retries) tries another endpoint at once;
 *   - a POST or PUT (an order) goes to another endpoint ONLY when it surely never left (the
 *     connection was refused): after a timeout, a reset or a 5xx the exchange may hold the order,
 *     so the failure goes up as it was and the order placer resolves it by its client order id.
 *
 * Within `scope(fn)` (createOrder runs in one), an endpoint that failed at the gateway is avoided
 * by the scope's later requests while another is routable: the lookups of an order whose answer
 * was lost go to another host than the one that lost it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import type { RetryBudget } from '../core/retry-budget.js';
import type { FailoverGroup } from '../failover/types.js';
import { endpointOutcome, neverSent } from './endpoint-outcome.js';

type Fetch = Exchange['fetch'];

/** Marks a `fetch` that already routes through endpoints: a second wrapper would route twice. */
const ROUTED = Symbol.for('bulwark.endpointRouting');

/** Methods tried on another endpoint after any gateway failure. */
const RESENDABLE = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export interface EndpointRoutingParts {
  group: FailoverGroup<string>;
  /** Tries of one request across endpoints, the first included. */
  attempts: number;
  /** Each try after the first takes one retry from here. */
  retryBudget: RetryBudget;
}

interface Scope {
  /** Endpoints that failed at the gateway during the scope. */
  readonly avoid: Set<string>;
}

export class EndpointRouting {
  readonly group: FailoverGroup<string>;
  private readonly scopes = new AsyncLocalStorage<Scope>();

  constructor(private readonly parts: EndpointRoutingParts) {
    this.group = parts.group;
  }

  /** Wraps `exchange.fetch`; returns a function that detaches. */
  attach(exchange: Exchange): () => void {
    if ((exchange.fetch as Fetch & { [ROUTED]?: true })[ROUTED]) {
      throw new RangeError(`resilientExchange: this ${exchange.id} instance already routes its requests through endpoints (another resilientExchange wraps it); give each its own ccxt instance`);
    }
    const home = restOrigin(exchange);
    const original: Fetch = exchange.fetch;
    const send = this.send.bind(this);
    const routed: Fetch = function (this: Exchange, url, method = 'GET', headers, body) {
      const origin = originOf(url);
      if (origin !== home) return original.call(this, url, method, headers, body);
      return send(original, this, url.slice(origin.length), method, headers, body);
    };
    Object.defineProperty(routed, ROUTED, { value: true });
    exchange.fetch = routed;
    return () => {
      if (exchange.fetch === routed) exchange.fetch = original;
    };
  }

  /** Runs `fn` in a scope whose requests avoid the endpoints that failed at the gateway earlier in it. */
  scope<T>(fn: () => Promise<T>): Promise<T> {
    return this.scopes.run({ avoid: new Set() }, fn);
  }

  private async send(original: Fetch, exchange: Exchange, rest: string, method: string, headers: unknown, body: unknown): Promise<unknown> {
    const { group, attempts, retryBudget } = this.parts;
    const scope = this.scopes.getStore();
    const tried = new Set<string>(scope?.avoid);
    const resendable = RESENDABLE.has(method.toUpperCase());
    for (let attempt = 1; ; attempt++) {
      const picked = group.pick(tried);
      const started = group.clock.now();
      try {
        const response: unknown = await original.call(exchange, joinUrl(picked.target, rest), method, headers as never, body as never);
        group.record(picked, 'success', group.clock.now() - started);
        return response;
      } catch (error) {
        const outcome = endpointOutcome(error);
        group.record(picked, outcome, group.clock.now() - started);
        if (outcome !== 'gateway') throw error;
        tried.add(picked.name);
        scope?.avoid.add(picked.name);
        if (!(resendable || neverSent(error))) throw error;
        if (attempt >= attempts || !retryBudget.tryRetry()) throw error;
      }
    }
  }
}

/** `base` (an endpoint's URL, maybe with a path prefix) followed by the path and query of the request. */
function joinUrl(base: string, rest: string): string {
  return base.endsWith('/') ? base.slice(0, -1) + rest : base + rest;
}

/** The origin of an absolute http(s) URL, without parsing the rest; undefined for anything else. */
function originOf(url: string): string | undefined {
  const match = /^https?:\/\/[^/?#]+/i.exec(url);
  return match ? match[0].toLowerCase() : undefined;
}

/** The origin of the exchange's REST API, as ccxt builds its URLs. */
function restOrigin(exchange: Exchange): string {
  const api = (exchange.urls as { api?: unknown } | undefined)?.api;
  const home = typeof api === 'string' ? api : isRecord(api) && typeof api.public === 'string' ? api.public : firstUrl(api);
  if (!home) throw new RangeError(`resilientExchange: endpoints: cannot tell the REST origin of ${exchange.id} (urls.api holds no http(s) URL)`);
  return new URL(home).origin.toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function firstUrl(value: unknown): string | undefined {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? value : undefined;
  if (!isRecord(value)) return undefined;
  for (const inner of Object.values(value)) {
    const found = firstUrl(inner);
    if (found) return found;
  }
  return undefined;
}
