/**
 * Correlation ids carried through async calls with AsyncLocalStorage: set one at the edge (an
 * HTTP request, a job, an order intent) and every log line, error and dead letter made inside
 * that call can name it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface CorrelationStore {
  readonly correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationStore>();

/** A fresh id: a UUID, or 16 hex digits drawn from `random` when one is injected (tests). */
export function newCorrelationId(random?: () => number): string {
  if (!random) return randomUUID();
  let id = '';
  for (let i = 0; i < 16; i++) id += Math.floor(random() * 16).toString(16);
  return id;
}

/** Runs `fn` with `id` (or a fresh one) as the current correlation id, for every async call it makes. */
export function withCorrelationId<T>(id: string | undefined, fn: () => T): T {
  return storage.run({ correlationId: id ?? newCorrelationId() }, fn);
}

/** The correlation id of the current async call, if one was set. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

/** A pino `mixin`: adds `correlationId` to every log line written inside a correlated call. */
export function correlationMixin(): { correlationId?: string } {
  const correlationId = currentCorrelationId();
  return correlationId === undefined ? {} : { correlationId };
}
