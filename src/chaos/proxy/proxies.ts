/**
 * faultProxies(): the fault proxies of a service, by name, as the ops API creates, lists, changes
 * and deletes them (/api/chaos/proxies). Created from the `chaos.proxies` section of the
 * configuration at start, or at run time by an operator with `chaos:run`.
 */
import type { Clock } from '../../core/clock.js';
import { faultProxy, type FaultProxy, type FaultProxyOptions, type FaultProxyView } from './fault-proxy.js';

export interface FaultProxiesOptions {
  clock?: Clock;
  /** Called with each proxy made, to follow its events (logs, the timeline). */
  onCreated?: (proxy: FaultProxy) => void;
}

export interface FaultProxies {
  list(): FaultProxyView[];
  get(name: string): FaultProxy | undefined;
  /** Makes and starts a proxy; refuses a name in use (RangeError). */
  create(options: FaultProxyOptions & { name: string }): Promise<FaultProxy>;
  /** Closes and forgets a proxy; false when there was none. */
  remove(name: string): Promise<boolean>;
  /** Closes every proxy. */
  close(): Promise<void>;
}

export function faultProxies(options: FaultProxiesOptions = {}): FaultProxies {
  const proxies = new Map<string, FaultProxy>();
  const creating = new Set<string>();
  return {
    list: () => [...proxies.values()].map((p) => p.view()),
    get: (name) => proxies.get(name),
    async create(proxyOptions) {
      const { name } = proxyOptions;
      if (proxies.has(name) || creating.has(name)) throw new RangeError(`faultProxies: a proxy named "${name}" exists; delete it first or give another name`);
      creating.add(name);
      try {
        const proxy = await faultProxy({ ...(options.clock ? { clock: options.clock } : {}), ...proxyOptions });
        proxies.set(name, proxy);
        options.onCreated?.(proxy);
        return proxy;
      } finally {
        creating.delete(name);
      }
    },
    async remove(name) {
      const proxy = proxies.get(name);
      if (!proxy) return false;
      proxies.delete(name);
      await proxy.close();
      return true;
    },
    async close() {
      const all = [...proxies.values()];
      proxies.clear();
      await Promise.all(all.map((p) => p.close()));
    },
  };
}
