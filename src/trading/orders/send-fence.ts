/**
 * The last check before an order leaves: between the gate's admission and the moment the request
 * goes on the wire there may be waits (the journal write, ccxt's throttle, the exchange's rate
 * budget in Redis, a retry after a 429), seconds when the budget is spent. A gate that turned
 * reducing or halted meanwhile (a region that lost its trading lease) must stop that order too:
 * ccxt's `fetch` is wrapped so that a request made on behalf of a placement asks every admission's
 * `recheck` right before it is sent (after every wait, as it is installed beneath the rate budget's
 * hook). A refusal throws the gate's own error: the request never left.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import type { OrderAdmission, OrderRequest } from './admission.js';

type Fetch = Exchange['fetch'];

export interface SendFence {
  /** Runs `send` so that each request it makes is rechecked against the admissions right before it leaves. */
  run<T>(request: OrderRequest, send: () => Promise<T>): Promise<T>;
}

/** Wraps `exchange.fetch`; install it before any other fetch hook (the rate budget's), so it runs after their waits. */
export function attachSendFence(exchange: Exchange, admission: readonly OrderAdmission[]): SendFence {
  const placing = new AsyncLocalStorage<OrderRequest>();
  if (admission.some((a) => a.recheck)) {
    const original: Fetch = exchange.fetch;
    exchange.fetch = function (this: Exchange, ...args: Parameters<Fetch>) {
      const request = placing.getStore();
      if (request) for (const a of admission) a.recheck?.(request);
      return original.apply(this, args);
    } as Fetch;
  }
  return { run: (request, send) => placing.run(request, send) };
}
