/** Orders and the intent journal: counts by outcome and the latest intents. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { OrdersView } from '../components.js';

export interface OrderRoutesOptions {
  orders: OrdersView;
}

export const orderRoutes: FastifyPluginAsyncZod<OrderRoutesOptions> = async (app, { orders }) => {
  app.get(
    '/api/orders',
    { config: { permission: 'orders:read' }, schema: { tags: ['orders'], description: 'The intent journal: counts by intent state and the latest intents, newest first', querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) } },
    async (request) => {
      const [counts, recent] = await Promise.all([orders.counts(), orders.recent(request.query.limit)]);
      return { counts, recent };
    },
  );
};
