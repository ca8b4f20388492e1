/**
 * Typed events without EventEmitter: `on(name, listener)` returns an unsubscribe function, and
 * `emit` on an event nobody listens to costs one property read. Call `has(name)` first when
 * building the payload itself costs something.
 */

export type Listener<T> = (event: T) => void;
export type Unsubscribe = () => void;

/** What every component exposes: subscribe to one of its typed events. */
export interface EventSource<E> {
  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): Unsubscribe;
}

export class Emitter<E> implements EventSource<E> {
  // Arrays are replaced, never mutated, so an emit in progress is unaffected by (un)subscribes.
  private listeners: { [K in keyof E]?: ReadonlyArray<Listener<E[K]>> } = {};

  on<K extends keyof E & string>(name: K, listener: Listener<E[K]>): Unsubscribe {
    this.listeners[name] = [...(this.listeners[name] ?? []), listener];
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const rest = (this.listeners[name] ?? []).filter((l) => l !== listener);
      if (rest.length > 0) this.listeners[name] = rest;
      else delete this.listeners[name];
    };
  }

  has<K extends keyof E>(name: K): boolean {
    return this.listeners[name] !== undefined;
  }

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const list = this.listeners[name];
    if (list === undefined) return;
    for (const listener of list) {
      try {
        listener(event);
      } catch (error) {
        // A faulty listener must not break the call it observes; it is reported, not hidden.
        process.emitWarning(`listener for "${String(name)}" threw: ${String(error)}`, { type: 'BulwarkListenerError' });
      }
    }
  }
}
