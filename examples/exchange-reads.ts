/**
 * Exchange reads: a flaky `fetchTicker` wrapped in the recommended pipeline
 * (fallback -> retry with backoff and Retry-After -> circuit breaker -> timeout -> bulkhead).
 *
 * The fake exchange first answers 429 with Retry-After (retry waits at least that long), then
 * hangs once (the timeout gives up and retry tries again), then goes down: the breaker opens after
 * five failures in a row and the fallback answers from the last good ticker, without calling the
 * exchange any more. Policy events are printed as they happen.
 *
 * Run: npx tsx examples/exchange-reads.ts
 */
import { type Clock, backoff, bulkhead, circuitBreaker, fallback, pipeline, retry, systemClock, timeout } from 'bulwark';

export interface Ticker {
  symbol: string;
  last: number;
  source: 'exchange' | 'cache';
}

/** What the fake exchange does on each call, in order; past the end it is down. */
type Behaviour = 'ok' | '429' | 'hang' | 'down';

/** An HTTP error carrying the Retry-After header as `retryAfterMs`, which retry honours. */
class HttpError extends Error {
  constructor(readonly status: number, readonly retryAfterMs?: number) {
    super(`HTTP ${status}`);
  }
}

export interface ExchangeReadsOptions {
  clock?: Clock;
  random?: () => number;
  log?: (line: string) => void;
}

export async function main(options: ExchangeReadsOptions = {}) {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const script: Behaviour[] = ['429', 'ok', 'hang', 'ok'];
  let exchangeCalls = 0;
  let price = 64_000;

  // Stands in for `exchange.fetchTicker(symbol, { signal })`.
  function fetchTicker(symbol: string, signal: AbortSignal): Promise<Ticker> {
    const behaviour = script[exchangeCalls++] ?? 'down';
    if (behaviour === '429') return Promise.reject(new HttpError(429, 1_000));
    if (behaviour === 'down') return Promise.reject(new Error('ECONNRESET'));
    if (behaviour === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    return Promise.resolve({ symbol, last: (price += 5), source: 'exchange' });
  }

  let lastGood: Ticker | undefined;
  const cached = fallback<Ticker>({
    fn: (error) => {
      if (!lastGood) throw error;
      return { ...lastGood, source: 'cache' };
    },
  });
  const retries = retry({
    maxAttempts: 3,
    backoff: backoff.exponential({ initialMs: 200, maxMs: 2_000, random: options.random }),
    clock,
  });
  const breaker = circuitBreaker({ name: 'binance', window: { kind: 'consecutive', failures: 5 }, openMs: 10_000, clock });
  const deadline = timeout({ ms: 500, clock });
  const slots = bulkhead({ maxConcurrent: 4 });
  const reads = pipeline(cached, retries, breaker, deadline, slots);

  retries.on('retry', ({ attempt, delayMs, error }) => log(`retry: try ${attempt} failed (${String(error)}), next in ${Math.round(delayMs)} ms`));
  retries.on('giveUp', ({ attempts, reason }) => log(`retry: gave up after ${attempts} tries (${reason})`));
  breaker.on('stateChange', ({ from, to, reason }) => log(`breaker: ${from} -> ${to} (${reason})`));
  deadline.on('timeout', ({ timeoutMs }) => log(`timeout: no answer within ${timeoutMs} ms`));
  cached.on('fallback', () => log('fallback: answered from the last good ticker'));

  const answers: Array<Ticker & { atMs: number }> = [];
  const start = clock.now();
  for (let call = 1; call <= 5; call++) {
    const ticker = await reads.execute(({ signal }) => fetchTicker('BTC/USDT', signal));
    if (ticker.source === 'exchange') lastGood = ticker;
    answers.push({ ...ticker, atMs: clock.now() - start });
    log(`call ${call}: ${ticker.symbol} ${ticker.last} from the ${ticker.source} at +${clock.now() - start} ms`);
  }
  return { answers, exchangeCalls, breakerState: breaker.state };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await main();
  console.log(`exchange called ${result.exchangeCalls} times; breaker ${result.breakerState}`);
}
