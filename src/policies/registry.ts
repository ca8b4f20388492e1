/**
 * Named breakers shared across a program: `registry.breaker('binance')` returns the same breaker
 * wherever it is asked for, so every caller of one exchange trips and heals one circuit.
 * The registry also lists its breakers and snapshots them all at once (for persistence or a
 * dashboard).
 */
import { checkNonEmptyString, checkObject } from '../core/option-checks.js';
import { CircuitBreaker, type CircuitBreakerMetrics } from './breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from './breaker/options.js';
import { type CircuitBreakerSnapshot, parseSnapshot } from './breaker/snapshot.js';

export interface RegistryOptions {
  /** Options every breaker starts from; a breaker's own options override them field by field. */
  defaults?: Omit<CircuitBreakerOptions, 'name' | 'initialState'>;
  /**
   * Snapshots by name (what `snapshot()` returned, e.g. read back from disk): a breaker made under
   * a name found here starts from it, unless its own options give an `initialState`.
   */
  initialStates?: Record<string, CircuitBreakerSnapshot>;
}

export const REGISTRY_DEFAULTS = {
  // No shared defaults: each breaker falls back to circuitBreaker's own.
  defaults: {} as Omit<CircuitBreakerOptions, 'name' | 'initialState'>,
  // Nothing to restore: breakers start closed.
  initialStates: {} as Record<string, CircuitBreakerSnapshot>,
};

export class PolicyRegistry implements Iterable<[string, CircuitBreaker]> {
  private readonly byName = new Map<string, CircuitBreaker>();
  private readonly defaults: Omit<CircuitBreakerOptions, 'name' | 'initialState'>;
  private readonly initialStates: Record<string, CircuitBreakerSnapshot>;

  constructor(options: RegistryOptions = {}) {
    checkObject('createRegistry', 'options', options);
    this.defaults = options.defaults ?? REGISTRY_DEFAULTS.defaults;
    const initialStates = options.initialStates ?? REGISTRY_DEFAULTS.initialStates;
    checkObject('createRegistry', 'initialStates', initialStates, 'of snapshots by name');
    // Check every snapshot now, so a corrupt file fails at start-up rather than at first use.
    for (const [name, snapshot] of Object.entries(initialStates)) {
      try {
        parseSnapshot(snapshot);
      } catch (error) {
        throw new TypeError(`createRegistry: initialStates["${name}"] is not a breaker snapshot: ${(error as Error).message}`);
      }
    }
    this.initialStates = initialStates;
  }

  /**
   * The breaker named `name`, made on first request. The first request's options win: later
   * options (even different ones) are ignored and the existing breaker is returned.
   */
  breaker(name: string, options?: Omit<CircuitBreakerOptions, 'name'>): CircuitBreaker {
    checkNonEmptyString('registry.breaker', 'name', name);
    let breaker = this.byName.get(name);
    if (breaker === undefined) {
      const initialState = options?.initialState ?? (Object.hasOwn(this.initialStates, name) ? this.initialStates[name] : undefined);
      breaker = new CircuitBreaker({ ...this.defaults, ...options, name, initialState });
      this.byName.set(name, breaker);
    }
    return breaker;
  }

  /** The breaker named `name`, if one was made. */
  get(name: string): CircuitBreaker | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Forgets the breaker (the next `breaker(name)` makes a new one). True if there was one. */
  delete(name: string): boolean {
    return this.byName.delete(name);
  }

  /** The names of the breakers, in the order they were made. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The breakers, in the order they were made. */
  breakers(): CircuitBreaker[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }

  [Symbol.iterator](): Iterator<[string, CircuitBreaker]> {
    return this.byName.entries();
  }

  /** Every breaker's metrics by name (for a dashboard or a metrics exporter). */
  metrics(): Record<string, CircuitBreakerMetrics> {
    const all: Record<string, CircuitBreakerMetrics> = {};
    for (const [name, breaker] of this.byName) all[name] = breaker.metrics();
    return all;
  }

  /** Every breaker's snapshot by name: JSON-safe, and accepted back as `initialStates`. */
  snapshot(): Record<string, CircuitBreakerSnapshot> {
    const all: Record<string, CircuitBreakerSnapshot> = {};
    for (const [name, breaker] of this.byName) all[name] = breaker.snapshot();
    return all;
  }
}

/** A registry of its own (tests, or one per tenant). */
export function createRegistry(options?: RegistryOptions): PolicyRegistry {
  return new PolicyRegistry(options);
}

/** The shared registry of the process. */
export const registry: PolicyRegistry = createRegistry();
