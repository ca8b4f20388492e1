/**
 * Safe run-time updates: policy thresholds, feature flags, score weights and the log level can
 * change without a restart. Each update is validated against the full schema, recorded, and
 * announced with a `stateChange` event; everything else needs a restart and is refused.
 */
import { type Clock, systemClock } from '../core/clock.js';
import { Emitter, type EventSource, type Listener, type Unsubscribe } from '../core/events.js';
import { checkInteger } from '../core/option-checks.js';
import { isSecretKey, REDACTED } from '../core/secrets.js';
import { ConfigError } from './config-error.js';
import { clonePlain, getPath, isPlainObject, type PlainObject } from './layers.js';
import { validateConfig } from './loader.js';
import type { BulwarkConfig } from './schema.js';

export interface ConfigChange {
  path: string;
  from: unknown;
  to: unknown;
  at: number;
  actor: string | undefined;
  reason: string | undefined;
}

export interface RuntimeConfigEvents {
  /** A value changed at run time (`from` -> `to` at `path`), with who and why. */
  stateChange: ConfigChange;
}

export interface RuntimeConfigOptions {
  clock?: Clock;
  /** Path prefixes that may change at run time. */
  mutable?: readonly string[];
  /** Changes kept in history. */
  historySize?: number;
}

export const RUNTIME_CONFIG_DEFAULTS = {
  mutable: ['policies', 'features', 'health.weights', 'log.level'] as readonly string[], // thresholds and switches; ports and stores need a restart
  historySize: 1_000, // weeks of hand-made changes; bounded so it cannot grow without limit
} as const;

export class RuntimeConfig implements EventSource<RuntimeConfigEvents> {
  private current: BulwarkConfig;
  private readonly clock: Clock;
  private readonly mutable: readonly string[];
  private readonly historySize: number;
  private readonly changes: ConfigChange[] = [];
  private readonly events = new Emitter<RuntimeConfigEvents>();

  constructor(config: BulwarkConfig, options: RuntimeConfigOptions = {}) {
    this.current = Object.freeze(clonePlain(config));
    this.clock = options.clock ?? systemClock;
    this.mutable = options.mutable ?? RUNTIME_CONFIG_DEFAULTS.mutable;
    this.historySize = options.historySize ?? RUNTIME_CONFIG_DEFAULTS.historySize;
    checkInteger('runtimeConfig', 'historySize', this.historySize, 0);
  }

  on<K extends keyof RuntimeConfigEvents & string>(name: K, listener: Listener<RuntimeConfigEvents[K]>): Unsubscribe {
    return this.events.on(name, listener);
  }

  /** The current configuration (a frozen snapshot; an update replaces it). */
  get config(): Readonly<BulwarkConfig> {
    return this.current;
  }

  /** The value at a dotted path. */
  get(path: string): unknown {
    return getPath(this.current, path);
  }

  /** Changes one value at run time; throws when the path is not mutable or the value is invalid. */
  update(path: string, value: unknown, meta: { actor?: string; reason?: string } = {}): ConfigChange {
    if (!this.mutable.some((prefix) => path === prefix || path.startsWith(`${prefix}.`))) {
      throw new ConfigError([{ path, source: 'runtime update', reason: `cannot change at run time (restart needed); runtime updates are allowed under: ${this.mutable.join(', ')}` }]);
    }
    const next = clonePlain(this.current) as unknown as PlainObject;
    const keys = path.split('.');
    let node: PlainObject = next;
    for (const key of keys.slice(0, -1)) {
      const child = node[key];
      if (!isPlainObject(child)) throw new ConfigError([{ path, source: 'runtime update', reason: `unknown key "${key}"` }]);
      node = child;
    }
    const last = keys[keys.length - 1]!;
    const from = node[last];
    node[last] = value;
    const validated = validateConfig(next, new Map([[path, 'runtime update']]));
    this.current = Object.freeze(validated);
    const secret = isSecretKey(path);
    const change: ConfigChange = {
      path,
      from: secret ? REDACTED : from,
      to: secret ? REDACTED : value,
      at: this.clock.now(),
      actor: meta.actor,
      reason: meta.reason,
    };
    this.changes.push(change);
    if (this.changes.length > this.historySize) this.changes.splice(0, this.changes.length - this.historySize);
    this.events.emit('stateChange', change);
    return change;
  }

  /** Calls `listener` with the new value whenever `path`, a parent or a child of it changes. */
  watch(path: string, listener: (value: unknown, change: ConfigChange) => void): Unsubscribe {
    return this.on('stateChange', (change) => {
      if (change.path === path || change.path.startsWith(`${path}.`) || path.startsWith(`${change.path}.`)) listener(this.get(path), change);
    });
  }

  /** The recorded changes, oldest first. */
  history(): readonly ConfigChange[] {
    return [...this.changes];
  }
}

export function runtimeConfig(config: BulwarkConfig, options?: RuntimeConfigOptions): RuntimeConfig {
  return new RuntimeConfig(config, options);
}
