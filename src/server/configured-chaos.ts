/**
 * The service's fault injection from its configuration: nothing unless `features.chaos` is on;
 * then a registry of fault proxies (served at /api/chaos/proxies) holding those `chaos.proxies`
 * declares, each started with the service and closed with it.
 */
import { type FaultProxies, faultProxies } from '../chaos/proxy/proxies.js';
import type { BulwarkConfig } from '../config/schema.js';
import type { LiveEvents } from './live-events.js';

export interface ConfiguredChaos {
  proxies: FaultProxies;
  close(): Promise<void>;
}

/** Undefined when chaos is off: the server then answers /api/chaos/* with 404 "chaos is off". */
export async function configuredChaos(config: BulwarkConfig, events: LiveEvents): Promise<ConfiguredChaos | undefined> {
  if (!config.features.chaos) return undefined;
  const proxies = faultProxies({
    onCreated: (proxy) => {
      proxy.on('stateChange', ({ enabled }) => events.record('fault', `proxy ${proxy.name}`, enabled ? 'fault proxy listening' : 'fault proxy disabled: connections refused', enabled ? 'info' : 'warning'));
    },
  });
  try {
    for (const [i, declared] of (config.chaos.proxies ?? []).entries()) {
      try {
        await proxies.create({ name: declared.name, listen: declared.listen, upstream: declared.upstream, ...(declared.enabled !== undefined ? { enabled: declared.enabled } : {}) });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`chaos.proxies.${i}.listen: fault proxy "${declared.name}" cannot listen on ${declared.listen}${code ? ` (${code})` : `: ${(error as Error).message}`}`);
      }
    }
  } catch (error) {
    await proxies.close();
    throw error;
  }
  return { proxies, close: () => proxies.close() };
}
