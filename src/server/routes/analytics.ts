/**
 * Analytics: the SLOs' status (error budget left, burn rates, which burn-rate alerts fire) and the
 * incidents over a range, with MTBF and MTTR of each dependency they affected.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instant } from './instant.js';
import type { Clock } from '../../core/clock.js';
import { incidentKinds } from '../../analytics/incident-log.js';
import type { ServerComponents } from '../components.js';

export interface AnalyticsRoutesOptions {
  analytics: NonNullable<ServerComponents['analytics']>;
  clock: Clock;
}

/** The default range of /api/analytics/incidents: a week. */
const DEFAULT_RANGE_MS = 7 * 86_400_000;


export const analyticsRoutes: FastifyPluginAsyncZod<AnalyticsRoutesOptions> = async (app, { analytics, clock }) => {
  const tags = ['analytics'];

  app.get('/api/analytics/slos', { config: { permission: 'analytics:read' }, schema: { tags, description: 'Every SLO: SLI, error budget left, burn rate per window, burn-rate alerts' } }, async () => analytics.slos());

  app.get(
    '/api/analytics/incidents',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        description: 'Incidents overlapping the range (a week back by default), newest first, with MTBF and MTTR of each dependency they affected',
        querystring: z
          .object({
            since: instant.optional().describe('incidents still going at or after this time'),
            until: instant.optional().describe('incidents started before this time'),
            dependency: z.string().min(1).max(200).optional(),
            kind: z.enum(incidentKinds).optional(),
            limit: z.coerce.number().int().min(1).max(1_000).default(200),
          })
          .strict(),
      },
    },
    async (request) => {
      const { since, until, dependency, kind, limit } = request.query;
      const toMs = until ?? clock.now();
      const fromMs = since ?? toMs - DEFAULT_RANGE_MS;
      const incidents = await analytics.listIncidents({ fromMs, toMs, limit, ...(dependency ? { dependency } : {}), ...(kind ? { kinds: [kind] } : {}) });
      const affected = [...new Set(incidents.filter((i) => i.kind !== 'chaos-run').map((i) => i.dependency))].sort();
      const reliability = await Promise.all(affected.map((d) => analytics.reliability(d, fromMs, toMs)));
      return { fromMs, toMs, incidents, reliability };
    },
  );
};
