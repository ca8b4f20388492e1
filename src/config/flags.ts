/** Feature flags read at run time from the `features` section, changed through RuntimeConfig. */
import type { Unsubscribe } from '../core/events.js';
import type { ConfigChange, RuntimeConfig } from './runtime.js';
import type { BulwarkConfig } from './schema.js';

export type FeatureName = keyof BulwarkConfig['features'];

export class FeatureFlags {
  constructor(private readonly runtime: RuntimeConfig) {}

  isEnabled(name: FeatureName): boolean {
    const value = this.runtime.config.features[name];
    if (typeof value !== 'boolean') throw new TypeError(`unknown feature flag "${String(name)}"`);
    return value;
  }

  /** Turns a flag on or off; the change is validated (e.g. live trading needs credentials) and recorded. */
  set(name: FeatureName, enabled: boolean, meta?: { actor?: string; reason?: string }): ConfigChange {
    return this.runtime.update(`features.${name}`, enabled, meta);
  }

  /** Every flag and its value. */
  all(): Readonly<BulwarkConfig['features']> {
    return { ...this.runtime.config.features };
  }

  onChange(name: FeatureName, listener: (enabled: boolean) => void): Unsubscribe {
    return this.runtime.watch(`features.${name}`, (value) => listener(value === true));
  }
}

export function featureFlags(runtime: RuntimeConfig): FeatureFlags {
  return new FeatureFlags(runtime);
}
