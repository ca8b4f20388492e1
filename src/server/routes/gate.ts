/** The trading gate: state, history of changes, manual halt (kill switch) and resume. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TradingGate } from '../../trading/gate.js';
import type { LiveEvents } from '../live-events.js';

export interface GateRoutesOptions {
  gate: TradingGate;
  events: LiveEvents;
}

export const gateRoutes: FastifyPluginAsyncZod<GateRoutesOptions> = async (app, { gate, events }) => {
  const tags = ['trading gate'];
  app.get('/api/gate', { schema: { tags, description: 'Mode, reason, since when, kill switch and raised conditions' } }, async () => gate.status);

  app.get('/api/gate/history', { schema: { tags, querystring: z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }), description: 'Mode changes, newest first' } }, async (request) =>
    gate.history().reverse().slice(0, request.query.limit),
  );

  app.post(
    '/api/gate/halt',
    { schema: { tags, body: z.object({ reason: z.string().trim().min(1, 'say why trading is halted').max(200) }).strict(), description: 'Manual kill switch: halted until resumed' } },
    async (request) => {
      gate.kill(request.body.reason);
      events.record('operator', 'trading gate', `halted by operator: ${request.body.reason}`, 'critical');
      return gate.status;
    },
  );

  app.post(
    '/api/gate/resume',
    { schema: { tags, body: z.object({ reason: z.string().trim().min(1).max(200).optional() }).strict().optional(), description: 'Releases the kill switch; the mode falls back to the raised conditions' } },
    async (request) => {
      const reason = request.body?.reason ?? 'resumed by operator';
      gate.resume(reason);
      events.record('operator', 'trading gate', reason);
      return gate.status;
    },
  );
};
