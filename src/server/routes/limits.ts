/** Rate limits: usage over each limit's window and the acquires queued now. */
import type { FastifyPluginAsync } from 'fastify';
import type { LimitUsage } from '../../observe/limit-usage.js';

export interface LimitRoutesOptions {
  limits: () => LimitUsage[];
}

export const limitRoutes: FastifyPluginAsync<LimitRoutesOptions> = async (app, { limits }) => {
  const tags = ['rate limits'];
  app.get('/api/limits', { config: { permission: 'limits:read' }, schema: { tags, description: 'Every tracked limit: admitted, limited, usage, queued' } }, async () => limits());
  app.get('/api/limits/queues', { config: { permission: 'limits:read' }, schema: { tags, description: 'Acquires waiting per limit' } }, async () => limits().map((l) => ({ name: l.name, queued: l.queued })));
};
