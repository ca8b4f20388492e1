/**
 * The region lease: this region's role (active: it trades; passive: the other region does), the
 * lease's holder, epoch and expiry, and the history of role changes; a planned release (switchover)
 * that stops new exposure here first, then frees the lease for the other region. The work is
 * regionLease's (failover/region-lease.ts); a release goes on the timeline and into the audit log.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RegionLease } from '../../failover/region-lease.js';
import { auditDetail } from '../audit-requests.js';
import type { LiveEvents } from '../live-events.js';
import { actorField, actorOf } from './actor.js';
import { problem } from './errors.js';

export interface RegionRoutesOptions {
  region: Pick<RegionLease, 'status' | 'release'>;
  events: LiveEvents;
}

export const regionRoutes: FastifyPluginAsyncZod<RegionRoutesOptions> = async (app, { region, events }) => {
  const tags = ['region'];

  app.get(
    '/api/region',
    { config: { permission: 'region:read' }, schema: { tags, description: "This region's role under the trading lease (active, passive, unknown) and why, the lease's holder, epoch and expiry (the database's time), and the role changes" } },
    async () => region.status(),
  );

  app.post(
    '/api/region/release',
    {
      config: { permission: 'region:release' },
      schema: {
        tags,
        body: z.object({ reason: z.string().trim().min(1, 'say why the lease is given up').max(200), actor: actorField }).strict(),
        description: 'Planned switchover: this region stops new exposure, then frees the lease so the other region takes over at its next attempt; 409 when this region does not hold it',
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body.actor);
      const before = region.status();
      const result = await region.release({ reason: request.body.reason, actor });
      if (!result.released) return problem(reply, 409, result.message);
      const after = region.status();
      auditDetail(request, { target: `region-lease:${after.lease}`, before: { role: before.role, epoch: before.epoch }, after: { role: after.role, epoch: result.epoch, freed: result.freed } });
      events.record('operator', `region ${after.region}`, `lease ${after.lease} released by ${actor}: ${request.body.reason}${result.freed ? '' : ' (the database did not confirm: the lease ends at its expiry)'}`, 'warning', { actor });
      return { ...result, status: after };
    },
  );
};
