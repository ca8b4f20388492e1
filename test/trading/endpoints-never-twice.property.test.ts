/**
 * Property: an exchange behind three endpoints, each refusing connections, answering 502 before the
 * exchange, losing the reply after the exchange acted, timing out after it acted, or healthy, in any
 * sequence, under any strategy, with the caller retrying intents: no order request ever reaches the
 * exchange twice for one client order id, and the exchange never holds two orders for one.
 *
 * Offline: a real ccxt.binance whose fetch sends each endpoint's requests through its fault to one
 * simulator router (no socket), on a ManualClock.
 */
import ccxt from 'ccxt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/core/random.js';
import type { FailoverStrategy } from '../../src/failover/types.js';
import { backoff } from '../../src/policies/backoff.js';
import { resilientExchange } from '../../src/trading/exchange.js';
import { clientOrderIdFor } from '../../src/trading/orders/intent-id.js';
import { memoryJournal } from '../../src/trading/orders/memory-journal.js';
import type { FetchLike } from '../../src/trading/sim/fetch.js';
import { type SimRouter, createSimRouter } from '../../src/trading/sim/router.js';
import { drive } from './support/offline-binance.js';

type EndpointFault = 'ok' | 'refused' | 'badGateway' | 'lostReply' | 'timeout';
const ENDPOINTS = ['ep1', 'ep2', 'ep3'] as const;

/** Each endpoint (by host name) through its fault to the one router; counts the order requests that reached it per client order id. */
function endpointsFetch(router: SimRouter, faults: Record<string, EndpointFault>, sent: Map<string, number>): FetchLike {
  return async (url, init = {}) => {
    const parsed = new URL(url);
    const fault = faults[parsed.hostname] ?? 'ok';
    if (fault === 'refused') throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED ${parsed.host}`) });
    if (fault === 'badGateway') return new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? init.body : '';
    if (method === 'POST' && parsed.pathname === '/api/v3/order') {
      const id = new URLSearchParams(body).get('newClientOrderId') ?? '';
      sent.set(id, (sent.get(id) ?? 0) + 1);
    }
    const reply = await router.handle({ method, url: parsed.pathname + parsed.search, body });
    if (fault === 'lostReply' || reply.kind === 'drop') throw new TypeError('fetch failed', { cause: new Error('other side closed') });
    if (fault === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  };
}

const endpointFault = fc.constantFrom<EndpointFault>('ok', 'refused', 'badGateway', 'lostReply', 'timeout');
const step = fc.record({
  faults: fc.tuple(endpointFault, endpointFault, endpointFault),
  type: fc.constantFrom<'market' | 'limit'>('market', 'limit'),
  retries: fc.integer({ min: 0, max: 2 }),
});

describe('an exchange behind endpoints: one intent, at most one order request', () => {
  it('holds under any faults of the endpoints, any strategy and caller retries (property)', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<FailoverStrategy>('priority', 'p2c', 'roundRobin', 'weighted'), fc.array(step, { minLength: 1, maxLength: 4 }), async (strategy, steps) => {
        run++;
        const clock = new ManualClock(1_700_000_000_000);
        const router = createSimRouter({ clock });
        const faults: Record<string, EndpointFault> = {};
        const sent = new Map<string, number>();
        const binance = new ccxt.binance({ apiKey: 'k', secret: 's', enableRateLimit: false, fetchImplementation: endpointsFetch(router, faults, sent) });
        binance.milliseconds = () => clock.now();
        const exchange = resilientExchange(binance, {
          clock,
          journal: memoryJournal({ clock }),
          random: seededRandom(run),
          endpoints: ENDPOINTS.map((name, i) => ({ name, target: `http://${name}`, priority: i === 0 ? 0 : 1 })),
          endpointGroup: { strategy, outlierDetection: { consecutiveGatewayFailures: 2, baseEjectionMs: 1_000 } },
          endpointAttempts: 3,
          breaker: false,
          backoff: backoff.constant(10),
          lookupBackoff: backoff.constant(100),
          lookupAttempts: 2,
        });
        await drive(clock, exchange.loadMarkets(), 50);
        for (const [i, s] of steps.entries()) {
          ENDPOINTS.forEach((name, k) => (faults[name] = s.faults[k]!));
          const intentId = `run${run}-step${i}`;
          for (let attempt = 0; attempt <= s.retries; attempt++) {
            await drive(clock, exchange.createOrder('BTC/USDT', s.type, 'buy', 0.01, s.type === 'limit' ? 30_000 : undefined, { intentId }), 50).catch(() => undefined);
          }
          const clientOrderId = clientOrderIdFor(intentId);
          expect(sent.get(clientOrderId) ?? 0, `${intentId} sent`).toBeLessThanOrEqual(1);
          expect(router.engine.allOrdersHeld().filter((o) => o.clientOrderId === clientOrderId).length, `${intentId} held`).toBeLessThanOrEqual(1);
          await clock.advance(500);
        }
      }),
      { numRuns: 40, seed: 20_261_205 },
    );
  }, 60_000);
});
