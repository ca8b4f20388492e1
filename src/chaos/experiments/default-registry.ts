/** A registry with every built-in probe, the exchange-level, network-level (fault proxy) and process-level actions; other sources add theirs with `addAction`. */
import { ActivityRegistry } from './activities.js';
import { exchangeActions } from './exchange-actions.js';
import { processActions } from './process-actions.js';
import { proxyActions } from './proxy-actions.js';
import { builtInProbes } from './probes.js';

export function defaultActivityRegistry(): ActivityRegistry {
  const registry = new ActivityRegistry();
  for (const action of [...exchangeActions, ...proxyActions, ...processActions]) registry.addAction(action);
  for (const probe of builtInProbes) registry.addProbe(probe);
  return registry;
}
