/**
 * Who a request or a decision acts as. The server's authentication sets one on every request
 * (`request.principal`); the audit log records its name; permission checks read its role's set.
 */

/** How the caller proved who it is. `local` is an unauthenticated read on loopback; `system` the service's own decisions. */
export type PrincipalKind = 'token' | 'session' | 'local' | 'system';

export interface Principal {
  readonly kind: PrincipalKind;
  /** The token's name, the user's name, `local` or `system`: what the audit log writes as "who". */
  readonly name: string;
  /** The role whose permissions apply (`viewer`, `operator`, `admin` or a custom role). */
  readonly role: string;
  /** The permissions the role grants, by name (e.g. `gate:halt`). */
  readonly permissions: ReadonlySet<string>;
  /** The token's id (its lookup prefix) when kind is `token`; the session's id when `session`. */
  readonly id?: string;
}

/** The service itself: the author of automatic decisions (gate changes by rules, breaker trips, restores at start). */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ kind: 'system', name: 'system', role: 'system', permissions: new Set<string>() });
