/**
 * Threat detection as the service runs it (`bulwark start`, demo or configured): the lockout and
 * the detector built from `security.threats`, the token addresses kept in the service's storage,
 * the audit log observed and written to, and each exchange's new orders fed to the `order-rate`
 * rule. Returns the server component and its cleanup; nothing when `security.threats.enabled` is false.
 */
import type { Clock } from '../core/clock.js';
import type { Unsubscribe } from '../core/events.js';
import type { AuditLog } from '../security/audit-log.js';
import { Lockout } from '../security/lockout.js';
import { type ThreatsConfig, ThreatDetector } from '../security/threats.js';
import { storageTokenAddresses } from '../security/token-addresses.js';
import type { Storage } from '../storage/types.js';
import type { ServerComponents } from './components.js';

/** An exchange whose intent events mark new orders (a resilient exchange fits). */
export interface IntentEmitter {
  readonly id: string;
  on(name: 'intent', listener: (event: { from: string | undefined; at: number }) => void): Unsubscribe;
}

export interface ConfiguredThreatsOptions {
  storage: Storage;
  audit: AuditLog;
  exchanges?: readonly IntentEmitter[];
  clock?: Clock;
  /** A finding could not be written to the audit log. */
  onAuditFailure?: () => void;
}

export interface ConfiguredThreats {
  component: NonNullable<ServerComponents['threats']>;
  close(): Promise<void>;
}

export async function configuredThreats(config: ThreatsConfig, options: ConfiguredThreatsOptions): Promise<ConfiguredThreats | undefined> {
  if (config.enabled === false) return undefined;
  const clock = options.clock ? { clock: options.clock } : {};
  const { enabled: lockoutEnabled, ...lockoutOptions } = config.lockout ?? {};
  const lockout = lockoutEnabled === false ? undefined : new Lockout({ ...lockoutOptions, ...clock });
  const detector = new ThreatDetector({
    ...clock,
    audit: options.audit,
    ...(lockout ? { lockout } : {}),
    addresses: await storageTokenAddresses(options.storage),
    rules: config,
    ...(options.onAuditFailure ? { onAuditFailure: options.onAuditFailure } : {}),
  });
  const offs = (options.exchanges ?? []).map((exchange) =>
    exchange.on('intent', (event) => {
      if (event.from === undefined) detector.order(event.at, exchange.id);
    }),
  );
  return {
    component: { detector, ...(lockout ? { lockout } : {}) },
    async close() {
      offs.splice(0).forEach((off) => off());
      await detector.close();
    },
  };
}
