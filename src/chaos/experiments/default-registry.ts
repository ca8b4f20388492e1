/** A registry with every built-in probe, the exchange-level and the process-level actions; other sources add theirs with `addAction`. */
import { ActivityRegistry } from './activities.js';
import { exchangeActions } from './exchange-actions.js';
import { processActions } from './process-actions.js';
import { builtInProbes } from './probes.js';

export function defaultActivityRegistry(): ActivityRegistry {
  const registry = new ActivityRegistry();
  for (const action of [...exchangeActions, ...processActions]) registry.addAction(action);
  for (const probe of builtInProbes) registry.addProbe(probe);
  return registry;
}
