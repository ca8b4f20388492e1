/** A registry with every built-in probe and the exchange-level actions; other levels add theirs. */
import { ActivityRegistry } from './activities.js';
import { exchangeActions } from './exchange-actions.js';
import { builtInProbes } from './probes.js';

export function defaultActivityRegistry(): ActivityRegistry {
  const registry = new ActivityRegistry();
  for (const action of exchangeActions) registry.addAction(action);
  for (const probe of builtInProbes) registry.addProbe(probe);
  return registry;
}
