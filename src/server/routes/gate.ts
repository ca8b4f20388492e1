/** The trading gate: state, history of changes, manual halt (kill switch) and resume. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TradingGate } from '../../trading/gate.js';
import type { LiveEvents } from '../live-events.js';
import type { OperatorState } from '../operator-state.js';
import { actorField, actorOf } from './actor.js';

export interface GateRoutesOptions {
  gate: TradingGate;
  events: LiveEvents;
  /** Keeps the kill switch across restarts, with who set it. */
  operator: OperatorState;
}

export const gateRoutes: FastifyPluginAsyncZod<GateRoutesOptions> = async (app, { gate, events, operator }) => {
  const tags = ['trading gate'];
  const view = () => ({ ...gate.status, killedBy: gate.status.killed ? (operator.killedBy() ?? null) : null });
  app.get('/api/gate', { schema: { tags, description: 'Mode, reason, since when, kill switch (and who set it) and raised conditions' } }, async () => view());

  app.get('/api/gate/history', { schema: { tags, querystring: z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }), description: 'Mode changes, newest first' } }, async (request) =>
    gate.history().reverse().slice(0, request.query.limit),
  );

  app.post(
    '/api/gate/halt',
    { schema: { tags, body: z.object({ reason: z.string().trim().min(1, 'say why trading is halted').max(200), actor: actorField }).strict(), description: 'Manual kill switch: halted until resumed, also across restarts' } },
    async (request) => {
      const actor = actorOf(request, request.body.actor);
      await operator.kill(request.body.reason, actor);
      events.record('operator', 'trading gate', `halted by ${actor}: ${request.body.reason}`, 'critical', { actor });
      return view();
    },
  );

  app.post(
    '/api/gate/resume',
    { schema: { tags, body: z.object({ reason: z.string().trim().min(1).max(200).optional(), actor: actorField }).strict().optional(), description: 'Releases the kill switch; the mode falls back to the raised conditions' } },
    async (request) => {
      const actor = actorOf(request, request.body?.actor);
      const reason = request.body?.reason ?? `resumed by ${actor}`;
      await operator.resume(reason, actor);
      events.record('operator', 'trading gate', request.body?.reason ? `resumed by ${actor}: ${reason}` : reason, 'info', { actor });
      return view();
    },
  );
};
