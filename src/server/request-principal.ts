/**
 * What the security area adds to fastify's types: the permission a route needs, declared next to
 * the route (`config: { permission: 'gate:halt' }`), and the principal the request acts as, set
 * by authentication before any handler runs.
 */
import type { Principal } from '../security/principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one permission this route needs (`area:verb`); a route without one is refused by the route-permission test. */
    permission?: string;
  }
  interface FastifyRequest {
    /** Who the request acts as; set by authentication (undefined only before it ran). */
    principal?: Principal;
  }
}

export {};
