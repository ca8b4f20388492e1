/**
 * The audit log over HTTP: entries, newest first, filtered by time, actor and action; and a walk of
 * the whole chain (`/api/audit/verify`) naming the first broken entry. Both need `audit:read`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { instant } from './instant.js';
import type { AuditLog } from '../../security/audit-log.js';

export interface AuditRoutesOptions {
  audit: AuditLog;
}


export const auditRoutes: FastifyPluginAsyncZod<AuditRoutesOptions> = async (app, { audit }) => {
  const tags = ['audit'];
  app.get(
    '/api/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags,
        description: 'Audit entries, newest first: who did what to what, before and after, from where, with the chain hashes',
        querystring: z.object({
          since: instant.optional().describe('entries at or after this time'),
          until: instant.optional().describe('entries before this time'),
          actor: z.string().min(1).max(200).optional(),
          action: z.string().min(1).max(300).optional().describe('e.g. "POST /api/gate/halt" or "gate.stateChange"'),
          limit: z.coerce.number().int().min(1).max(1_000).default(100),
        }),
      },
    },
    async (request) => {
      const { since, until, actor, action, limit } = request.query;
      return audit.list({ limit, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(actor ? { actor } : {}), ...(action ? { action } : {}) });
    },
  );

  app.get(
    '/api/audit/verify',
    { config: { permission: 'audit:read' }, schema: { tags, description: 'Walks the whole chain against the head and the latest signed checkpoint; `broken` names the first broken entry and the kind' } },
    async () => audit.verify(),
  );
};
