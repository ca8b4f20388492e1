/** Dead letters: list and inspect, replay (through the configured handler), purge. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeadLetterFilter, DeadLetterQueue, ReplayHandler } from '../../dlq/dead-letters.js';
import type { LiveEvents } from '../live-events.js';
import { problem } from './errors.js';
import { auditDetail } from '../audit-requests.js';

export interface DeadLetterRoutesOptions {
  queue: DeadLetterQueue;
  replay: ReplayHandler;
  events: LiveEvents;
}

const filterShape = {
  ids: z.array(z.string().min(1).max(200)).min(1).max(1_000).optional(),
  operation: z.string().min(1).max(200).optional(),
  status: z.enum(['pending', 'replayed']).optional(),
};

/** Why the operator acts (the dashboard asks for it before a replay or a purge); shown on the timeline. */
const reason = z.string().trim().min(1).max(200).optional();
const because = (text: string | undefined): string => (text ? `: ${text}` : '');

function toFilter(input: { ids?: string[]; operation?: string; status?: 'pending' | 'replayed' }): DeadLetterFilter {
  return { ...(input.ids ? { ids: input.ids } : {}), ...(input.operation ? { operation: input.operation } : {}), ...(input.status ? { status: input.status } : {}) };
}

export const deadLetterRoutes: FastifyPluginAsyncZod<DeadLetterRoutesOptions> = async (app, { queue, replay, events }) => {
  const tags = ['dead letters'];
  app.get(
    '/api/dead-letters',
    {
      config: { permission: 'dead-letters:read' },
      schema: {
        tags,
        description: 'Letters of the queue, oldest first, with the total matching',
        querystring: z.object({
          status: filterShape.status,
          operation: filterShape.operation,
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
    },
    async (request) => {
      const filter = toFilter(request.query);
      const [total, items] = await Promise.all([queue.count(filter), queue.list({ ...filter, limit: request.query.limit, offset: request.query.offset })]);
      return { queue: queue.name, total, items };
    },
  );

  app.get('/api/dead-letters/:id', { config: { permission: 'dead-letters:read' }, schema: { tags, params: z.object({ id: z.string().min(1).max(200) }) } }, async (request, reply) => {
    const letter = await queue.inspect(request.params.id);
    return letter ?? problem(reply, 404, `no dead letter with id "${request.params.id}"`);
  });

  app.post(
    '/api/dead-letters/replay',
    { config: { permission: 'dead-letters:replay' }, schema: { tags, description: 'Replays pending letters (the given ids, or every pending one matching the filter)', body: z.object({ ...filterShape, reason }).strict().default({}) } },
    async (request) => {
      const before = await queue.count({ status: 'pending' });
      const result = await queue.replay({ ...toFilter(request.body), status: 'pending' }, replay);
      auditDetail(request, { target: request.body.ids?.join(',') ?? `queue ${queue.name}`, before: { pending: before }, after: { pending: await queue.count({ status: 'pending' }), replayed: result.replayed.length, failed: result.failed.length } });
      events.record('operator', `dlq ${queue.name}`, `replay: ${result.replayed.length} replayed, ${result.failed.length} failed of ${result.total}${because(request.body.reason)}`, result.failed.length > 0 ? 'warning' : 'info');
      return result;
    },
  );

  app.post(
    '/api/dead-letters/purge',
    { config: { permission: 'dead-letters:purge' }, schema: { tags, description: 'Deletes matching letters; an empty body purges the whole queue', body: z.object({ ...filterShape, reason }).strict().default({}) } },
    async (request) => {
      const before = await queue.count({});
      const purged = await queue.purge(toFilter(request.body));
      auditDetail(request, { target: request.body.ids?.join(',') ?? `queue ${queue.name}`, before: { letters: before }, after: { letters: before - purged, purged } });
      events.record('operator', `dlq ${queue.name}`, `purged ${purged} letters${because(request.body.reason)}`, 'warning');
      return { purged };
    },
  );
};
