/**
 * The trading gate: state, history of changes, manual halt (kill switch), resume and acknowledgement
 * of rule-raised conditions. With a fleet, halt and resume also act fleet-wide (every instance).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FleetControl } from '../../fleet/control.js';
import type { TradingGate } from '../../trading/gate.js';
import type { LiveEvents } from '../live-events.js';
import type { OperatorState } from '../operator-state.js';
import { actorField, actorOf } from './actor.js';
import { auditDetail } from '../audit-requests.js';
import { problem } from './errors.js';
import { fleetUnreachable } from './fleet.js';

export interface GateRoutesOptions {
  gate: TradingGate;
  events: LiveEvents;
  /** Keeps the kill switch across restarts, with who set it. */
  operator: OperatorState;
  /** When set, a halt or resume here is also sent to every instance of the fleet. */
  fleet?: FleetControl;
}

export const gateRoutes: FastifyPluginAsyncZod<GateRoutesOptions> = async (app, { gate, events, operator, fleet }) => {
  const tags = ['trading gate'];
  const view = () => ({ ...gate.status, killedBy: gate.status.killed ? (operator.killedBy() ?? null) : null });
  app.get('/api/gate', { config: { permission: 'gate:read' }, schema: { tags, description: 'Mode, reason, since when, kill switch (and who set it) and raised conditions' } }, async () => view());

  app.get('/api/gate/history', { config: { permission: 'gate:read' }, schema: { tags, querystring: z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }), description: 'Mode changes, newest first' } }, async (request) =>
    gate.history().reverse().slice(0, request.query.limit),
  );

  app.post(
    '/api/gate/halt',
    { config: { permission: 'gate:halt' }, schema: { tags, body: z.object({ reason: z.string().trim().min(1, 'say why trading is halted').max(200), actor: actorField }).strict(), description: 'Manual kill switch: halted until resumed, also across restarts; with a fleet, every instance halts too' } },
    async (request, reply) => {
      const actor = actorOf(request, request.body.actor);
      const before = gate.status.mode;
      await operator.kill(request.body.reason, actor);
      auditDetail(request, { target: 'trading-gate', before: { mode: before }, after: { mode: gate.status.mode, reason: request.body.reason } });
      events.record('operator', 'trading gate', `halted by ${actor}: ${request.body.reason}`, 'critical', { actor });
      try {
        await fleet?.halt(request.body.reason, actor);
      } catch (error) {
        return fleetUnreachable(reply, error, "this server's gate is halted, the fleet's instances were not told");
      }
      return view();
    },
  );

  app.post(
    '/api/gate/resume',
    {
      config: { permission: 'gate:resume' },
      schema: {
        tags,
        body: z
          .object({
            reason: z.string().trim().min(1).max(200).optional(),
            acknowledge: z.array(z.string().trim().min(1).max(200)).max(50).optional().describe('rule-raised conditions to acknowledge with this reason (they stop holding the gate until their rule fires again)'),
            actor: actorField,
          })
          .strict()
          .optional(),
        description:
          'Releases the kill switch; rule-raised conditions keep holding the gate unless acknowledged. The answer says what was released and what still holds the gate (`resume.holding`, `resume.message`)',
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body?.actor);
      const reason = request.body?.reason ?? `resumed by ${actor}`;
      const names = request.body?.acknowledge ?? [];
      const raised = new Set(gate.conditions().map((c) => c.name));
      const missing = names.filter((n) => !raised.has(n));
      if (missing.length > 0) {
        return problem(reply, 400, `acknowledge: no raised condition named ${missing.join(', ')} (raised: ${[...raised].join(', ') || 'none'})`);
      }
      const fixed = gate.conditions().filter((c) => c.acknowledgeable === false && names.includes(c.name));
      if (fixed.length > 0) {
        return problem(reply, 409, `acknowledge: ${fixed.map((c) => `${c.name} cannot be acknowledged (${c.reason})`).join('; ')}`);
      }
      const before = gate.status.mode;
      for (const name of names) gate.acknowledge(name, reason, actor);
      const resume = await operator.resume(reason, actor);
      auditDetail(request, { target: 'trading-gate', before: { mode: before }, after: { mode: gate.status.mode, reason, acknowledged: names } });
      events.record('operator', 'trading gate', `${reason}: ${resume.message}`, resume.holding.length > 0 ? 'warning' : 'info', { actor });
      try {
        await fleet?.resume(reason, actor);
      } catch (error) {
        return fleetUnreachable(reply, error, "this server's gate is resumed, the fleet's instances were not told");
      }
      return { ...view(), resume: { ...resume, acknowledged: names } };
    },
  );

  app.post(
    '/api/gate/acknowledge',
    {
      config: { permission: 'gate:acknowledge' },
      schema: {
        tags,
        body: z.object({ condition: z.string().trim().min(1).max(200), reason: z.string().trim().min(1, 'say why the condition is acknowledged').max(200), actor: actorField }).strict(),
        description: 'Acknowledges a rule-raised condition: it stops holding the gate until its rule fires again',
      },
    },
    async (request, reply) => {
      const { condition, reason } = request.body;
      const actor = actorOf(request, request.body.actor);
      const raised = gate.conditions().find((c) => c.name === condition);
      if (!raised) return problem(reply, 404, `condition: no raised condition named ${condition}`);
      if (raised.acknowledgeable === false) return problem(reply, 409, `condition: ${condition} cannot be acknowledged (${raised.reason})`);
      const before = gate.status.mode;
      gate.acknowledge(condition, reason, actor);
      auditDetail(request, { before: { mode: before }, after: { mode: gate.status.mode, reason } });
      events.record('operator', 'trading gate', `acknowledged ${condition} by ${actor}: ${reason}`, 'warning', { actor });
      return view();
    },
  );
};
