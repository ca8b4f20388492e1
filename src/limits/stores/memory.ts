import type { Clock } from '../../core/clock.js';
import type { Algorithm } from '../algorithm.js';
import type { BoundStore, LimiterStore } from './store.js';

/**
 * State in this process: per-key numbers in typed-array slots, decided synchronously. The
 * default store of every limiter. Each limiter bound to it keeps its own keys.
 */
export function memoryStore(): LimiterStore {
  return {
    kind: 'memory',
    bind(algorithm: Algorithm, clock: Clock): BoundStore {
      const state = algorithm.createMemoryState();
      const tryConsume = (key: string, cost: number) => state.consume(key, cost, clock.now());
      return {
        tryConsume,
        consume: (key, cost) => Promise.resolve(tryConsume(key, cost)),
        reserve: (key, want, min, leaseMs) => Promise.resolve(state.reserve(key, want, min, leaseMs, clock.now())),
        release: (key, units, stamp) => {
          state.release(key, units, stamp, clock.now());
          return Promise.resolve();
        },
      };
    },
  };
}
