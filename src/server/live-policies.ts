/**
 * Policies applied live: the configuration's `policies:` held in a RuntimeConfig whose changes
 * reach every attached exchange account at once (`exchange.reconfigure`: the ccxt timeout, the
 * tries of a read, the retry budget, every breaker's thresholds, window and open time), so the
 * tuning advisor's recommendations apply without a restart. Each change kept in the operator
 * settings (key `policy:<path>`, with the configuration file's value it replaced) comes back at
 * start, unless the file has changed that key since: then the file wins and the stored change is
 * dropped, said on the timeline. A change back to the file's value forgets the stored one.
 */
import { isDeepStrictEqual } from 'node:util';
import type { PolicySettings } from '../analytics/replay/types.js';
import { settingsFromConfig } from '../analytics/advisor/policy-settings.js';
import { type ConfigChange, RuntimeConfig } from '../config/runtime.js';
import { getPath } from '../config/layers.js';
import type { BulwarkConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Unsubscribe } from '../core/events.js';
import type { WindowOptions } from '../policies/breaker/options.js';
import type { OperatorSetting, OperatorSettings } from '../storage/repos/operator-settings.js';
import type { ResilientExchange } from '../trading/exchange.js';
import type { LiveEvents } from './live-events.js';
import type { ExchangeSettings, ExchangeSettingsChange } from '../trading/exchange-settings.js';

/** The configuration keys a running exchange account picks up live. */
export const LIVE_POLICY_KEYS = [
  'policies.timeout.ms',
  'policies.retry.maxAttempts',
  'policies.retry.budget',
  'policies.breaker.failureRateThreshold',
  'policies.breaker.minimumCalls',
  'policies.breaker.openMs',
  'policies.breaker.window',
] as const;

/** Where a live change is kept in the operator settings. */
const STORE_PREFIX = 'policy:';

const isLiveKey = (key: string): boolean => (LIVE_POLICY_KEYS as readonly string[]).includes(key);

function assertLiveKey(key: string): void {
  if (!isLiveKey(key)) throw new RangeError(`${key} is not a key that changes at run time (${LIVE_POLICY_KEYS.join(', ')})`);
}

/** A change kept in the store, read back: its key, the file value it replaced and the value set. */
interface KeptChange {
  key: string;
  file: unknown;
  value: unknown;
  setting: OperatorSetting;
}

async function readKept(store: OperatorSettings): Promise<KeptChange[]> {
  return (await store.list(STORE_PREFIX)).map((setting) => {
    const kept = setting.value as { file?: unknown; value?: unknown } | null;
    return { key: setting.key.slice(STORE_PREFIX.length), file: kept?.file ?? null, value: kept?.value ?? undefined, setting };
  });
}

export const LIVE_POLICIES_DEFAULTS = {
  followMs: 5_000, // a change made on one instance of a fleet reaches the others within seconds, for one small read
} as const;

/** A live change in force: the key, the configuration file's value and the value in force, who, why and when. */
export interface LiveOverride {
  key: string;
  file: unknown;
  value: unknown;
  actor: string;
  reason: string | null;
  at: number;
}

export interface RestoredPolicies {
  restored: LiveOverride[];
  /** Stored changes dropped: the file changed the key since, or the key is no longer live. */
  dropped: Array<{ key: string; why: string }>;
}

export interface LivePoliciesOptions {
  /** The breaker window of the exchange accounts when `policies.breaker.window` is unset (the exchangeApi preset's). */
  presetWindow: WindowOptions;
  clock?: Clock;
  /** A change that could not reach an exchange, or could not be kept: reported, never silent. */
  onError: (message: string) => void;
}

export interface LivePolicies {
  readonly runtime: RuntimeConfig;
  readonly keys: readonly string[];
  /** The settings in force, as the tuning advisor judges them. */
  settings(): PolicySettings;
  /** Applies the settings in force to `exchange` now and every change from here on; returns the detach. */
  attach(exchange: ResilientExchange): Unsubscribe;
  /** Puts back the changes kept in `store`, then keeps every change there. */
  persist(store: OperatorSettings): Promise<RestoredPolicies>;
  /**
   * Takes up what other instances sharing the store changed (a fleet on one PostgreSQL): a kept
   * change this instance does not run is applied, a kept change gone from the store (reverted
   * elsewhere) is reverted here. A key whose file value differs here is left alone (this file
   * wins). Skipped while a change of this instance is still being written. Returns what changed.
   */
  sync(): Promise<ConfigChange[]>;
  /** `sync()` every `everyMs` (a timer that does not hold the process); `report` hears each change. Returns the stop. */
  follow(report: (changes: ConfigChange[]) => void, everyMs?: number): Unsubscribe;
  /** The live changes in force (keys whose value differs from the configuration file's). */
  overrides(): LiveOverride[];
  /** Every change made at run time, oldest first. */
  history(): readonly ConfigChange[];
  /**
   * Sets `key` by hand (an operator raising a timeout during an incident): checked against the
   * whole configuration (a ConfigError naming the key and the reason), then live as any change.
   * Undefined when it has that value already.
   */
  set(key: string, value: unknown, meta: { actor: string; reason?: string }): ConfigChange | undefined;
  /** Puts `key` back to the configuration file's value; undefined when it already has it. */
  revert(key: string, meta: { actor: string; reason?: string }): ConfigChange | undefined;
  close(): void;
}

/**
 * What the exchange accounts run with under `policies`: the settings the advisor judges
 * (settingsFromConfig, which holds the fallbacks for an unset budget and window), as the
 * exchange's reconfigure takes them.
 */
function exchangeSettingsFor(config: Pick<BulwarkConfig, 'policies'>, presetWindow: WindowOptions): Required<Omit<ExchangeSettingsChange, 'breaker'>> & { breaker: NonNullable<ExchangeSettings['breaker']> } {
  const { timeout, retry, breaker } = settingsFromConfig(config, { breakerWindow: presetWindow });
  return { timeoutMs: timeout.ms, maxAttempts: retry.maxAttempts, retryBudget: retry.retryBudget, breaker };
}

/** The part of `wanted` that differs from what `exchange` runs (nothing to change: an empty object). */
function changeFor(exchange: ResilientExchange, wanted: ReturnType<typeof exchangeSettingsFor>): ExchangeSettingsChange {
  const now = exchange.currentSettings();
  const change: ExchangeSettingsChange = {};
  if (now.timeoutMs !== wanted.timeoutMs) change.timeoutMs = wanted.timeoutMs;
  if (now.maxAttempts !== wanted.maxAttempts) change.maxAttempts = wanted.maxAttempts;
  if (now.retryBudget && !isDeepStrictEqual(now.retryBudget, wanted.retryBudget)) change.retryBudget = wanted.retryBudget;
  if (now.breaker) {
    const breaker: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(wanted.breaker)) if (!isDeepStrictEqual((now.breaker as Record<string, unknown>)[key], value)) breaker[key] = value;
    if (Object.keys(breaker).length > 0) change.breaker = breaker;
  }
  return change;
}

export function livePolicies(config: BulwarkConfig, options: LivePoliciesOptions): LivePolicies {
  const runtime = new RuntimeConfig(config, { ...(options.clock ? { clock: options.clock } : {}), mutable: LIVE_POLICY_KEYS });
  const exchanges = new Set<ResilientExchange>();
  const marks = new Map<string, { actor: string; reason: string | null; at: number }>();
  let store: OperatorSettings | undefined;
  let writes: Promise<unknown> = Promise.resolve();
  /** Writes of this instance's changes not settled yet: a sync then would see the store without them. */
  let pending = 0;
  /** Set while a change taken from the store is applied: it is kept there already. */
  let fromStore = false;
  const fileValue = (key: string): unknown => getPath(config, key);

  const apply = (exchange: ResilientExchange): void => {
    const change = changeFor(exchange, exchangeSettingsFor(runtime.config, options.presetWindow));
    if (Object.keys(change).length === 0) return;
    try {
      exchange.reconfigure(change);
    } catch (error) {
      options.onError(`policies could not be applied to ${exchange.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const keep = (change: ConfigChange): void => {
    const actor = change.actor ?? 'operator';
    const reason = change.reason ?? null;
    if (isDeepStrictEqual(change.to, fileValue(change.path))) marks.delete(change.path);
    else marks.set(change.path, { actor, reason, at: change.at });
    const target = store;
    if (!target || fromStore) return;
    const key = `${STORE_PREFIX}${change.path}`;
    const write = (): Promise<unknown> =>
      marks.has(change.path) ? target.put(key, { file: fileValue(change.path) ?? null, value: change.to ?? null }, { actor, reason }) : target.remove(key);
    // One after another, in the order made; a failed write is reported (the change is in force, but a restart would lose it).
    pending++;
    writes = writes
      .then(write)
      .catch((error: unknown) => options.onError(`the live change of ${change.path} could not be kept (a restart would lose it): ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => pending--);
  };

  /** Applies a change the store holds (made on another instance) without writing it back. */
  const take = (key: string, value: unknown, meta: { actor: string; reason: string }): ConfigChange => {
    fromStore = true;
    try {
      return runtime.update(key, value, meta);
    } finally {
      fromStore = false;
    }
  };

  const sync = async (): Promise<ConfigChange[]> => {
    const target = store;
    if (!target || pending > 0) return [];
    const stored = await readKept(target);
    // A change of this instance began meanwhile: its write is not in what was read.
    if (pending > 0) return [];
    const changes: ConfigChange[] = [];
    const kept = new Set<string>();
    for (const { key, file, value: wanted, setting } of stored) {
      if (!isLiveKey(key)) continue;
      kept.add(key);
      if (!isDeepStrictEqual(file, fileValue(key) ?? null)) continue;
      if (isDeepStrictEqual(runtime.get(key), wanted)) continue;
      try {
        changes.push(take(key, wanted, { actor: setting.actor, reason: `changed on another instance${setting.reason ? `: ${setting.reason}` : ''}` }));
        marks.set(key, { actor: setting.actor, reason: setting.reason, at: setting.setAt });
      } catch (error) {
        options.onError(`a live change of ${key} made on another instance does not pass this instance's configuration check: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const key of [...marks.keys()]) {
      if (kept.has(key) || isDeepStrictEqual(runtime.get(key), fileValue(key))) continue;
      changes.push(take(key, fileValue(key), { actor: 'fleet', reason: 'reverted on another instance' }));
    }
    return changes;
  };

  const offChanges = runtime.on('stateChange', (change) => {
    keep(change);
    for (const exchange of exchanges) apply(exchange);
  });

  return {
    runtime,
    keys: LIVE_POLICY_KEYS,
    settings: () => settingsFromConfig(runtime.config, { breakerWindow: options.presetWindow }),
    attach(exchange) {
      exchanges.add(exchange);
      apply(exchange);
      return () => exchanges.delete(exchange);
    },
    async persist(target) {
      const restored: LiveOverride[] = [];
      const dropped: RestoredPolicies['dropped'] = [];
      for (const { key, file: keptFile, value, setting } of await readKept(target)) {
        const file = fileValue(key) ?? null;
        let why: string | undefined;
        if (!isLiveKey(key)) why = 'no longer changes at run time';
        else if (!isDeepStrictEqual(keptFile, file)) why = `the configuration file now sets ${JSON.stringify(file)} (it set ${JSON.stringify(keptFile)} when the change was made): the file wins`;
        if (why === undefined) {
          try {
            runtime.update(key, value, { actor: setting.actor, reason: `restored at start${setting.reason ? `: ${setting.reason}` : ''}` });
            marks.set(key, { actor: setting.actor, reason: setting.reason, at: setting.setAt });
            restored.push({ key, file, value, actor: setting.actor, reason: setting.reason, at: setting.setAt });
            continue;
          } catch (error) {
            why = `its value no longer passes the configuration check: ${error instanceof Error ? error.message : String(error)}`;
          }
        }
        dropped.push({ key, why });
        await target.remove(setting.key).catch((error: unknown) => options.onError(`a dropped live change of ${key} could not be removed: ${error instanceof Error ? error.message : String(error)}`));
      }
      await writes;
      store = target;
      return { restored, dropped };
    },
    overrides() {
      // null for a key the file leaves unset (its default applies), so the answer always names both values.
      return [...marks].map(([key, mark]) => ({ key, file: fileValue(key) ?? null, value: runtime.get(key) ?? null, ...mark }));
    },
    history: () => runtime.history(),
    sync,
    follow(report, everyMs = LIVE_POLICIES_DEFAULTS.followMs) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        sync()
          .then((changes) => changes.length > 0 && report(changes))
          .catch((error: unknown) => options.onError(`live changes of other instances could not be read: ${error instanceof Error ? error.message : String(error)}`))
          .finally(() => (running = false));
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    set(key, value, meta) {
      assertLiveKey(key);
      if (isDeepStrictEqual(runtime.get(key), value)) return undefined;
      return runtime.update(key, value, { actor: meta.actor, ...(meta.reason ? { reason: meta.reason } : {}) });
    },
    revert(key, meta) {
      assertLiveKey(key);
      if (isDeepStrictEqual(runtime.get(key), fileValue(key))) return undefined;
      return runtime.update(key, fileValue(key), { actor: meta.actor, reason: meta.reason ?? 'reverted to the configuration file' });
    },
    close() {
      offChanges();
      exchanges.clear();
    },
  };
}

/** Says on the timeline which live changes came back at start and which were dropped, and why. */
export function reportRestoredPolicies(result: RestoredPolicies, events: Pick<LiveEvents, 'record'>): void {
  for (const r of result.restored) {
    events.record('operator', 'policies', `live change restored: ${r.key} ${JSON.stringify(r.file ?? null)} -> ${JSON.stringify(r.value)} (set by ${r.actor}${r.reason ? `: ${r.reason}` : ''})`, 'info', { actor: r.actor });
  }
  for (const d of result.dropped) events.record('operator', 'policies', `live change of ${d.key} dropped: ${d.why}`, 'warning');
}

/** Says on the timeline which live changes made on other instances were taken up here. */
export function reportFleetPolicies(changes: readonly ConfigChange[], events: Pick<LiveEvents, 'record'>): void {
  for (const c of changes) {
    events.record('operator', 'policies', `live change taken from another instance: ${c.path} ${JSON.stringify(c.from ?? null)} -> ${JSON.stringify(c.to ?? null)} (${c.actor ?? 'operator'}${c.reason ? `: ${c.reason}` : ''})`, 'warning', c.actor ? { actor: c.actor } : {});
  }
}
