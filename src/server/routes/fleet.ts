/**
 * The fleet: every instance as it reports itself, a fleet-wide halt and resume, and a command
 * to one instance. The work is fleetControl's (fleet/control.ts); operator actions go on the timeline.
 */
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fleetCommandSchema } from '../../fleet/commands.js';
import type { FleetControl } from '../../fleet/control.js';
import type { LiveEvents } from '../live-events.js';
import { actorField, actorOf } from './actor.js';
import { messageOf, problem } from './errors.js';

/** 503 naming the cause when the fleet's Redis does not answer: the operator must know the command did not go out. */
export function fleetUnreachable(reply: FastifyReply, error: unknown, what: string): FastifyReply {
  return problem(reply, 503, `${what}: the fleet's Redis did not answer (${messageOf(error)})`);
}

export interface FleetRoutesOptions {
  fleet: FleetControl;
  events: LiveEvents;
}

const reason = z.string().trim().max(200);
const params = z.object({ id: z.string().regex(/^[\w.:@+-]{1,100}$/, 'an instance id: 1-100 letters, digits or . _ : @ + -') });

export const fleetRoutes: FastifyPluginAsyncZod<FleetRoutesOptions> = async (app, { fleet, events }) => {
  const tags = ['fleet'];

  app.get('/api/instances', { config: { permission: 'fleet:read' }, schema: { tags, description: 'Every instance of the fleet (stale ones flagged, until dropped), with its last snapshot' } }, async () => fleet.instances());

  app.get('/api/instances/:id', { config: { permission: 'fleet:read' }, schema: { tags, params, description: 'One instance, with its last snapshot' } }, async (request, reply) => {
    const instance = await fleet.instance(request.params.id);
    return instance ?? problem(reply, 404, `no instance "${request.params.id}" in fleet ${fleet.fleet}`);
  });

  app.get('/api/fleet', { config: { permission: 'fleet:read' }, schema: { tags, description: 'The fleet: its name, the fleet-wide halt while it holds, instance counts' } }, async () => {
    const [halt, instances] = await Promise.all([fleet.haltState(), fleet.instances()]);
    return { fleet: fleet.fleet, halt, instances: instances.length, stale: instances.filter((i) => i.stale).length };
  });

  app.post(
    '/api/fleet/halt',
    { config: { permission: 'gate:halt' }, schema: { tags, body: z.object({ reason: reason.min(1, 'say why the fleet is halted'), actor: actorField }).strict(), description: 'Halts every instance (their kill switch), and every instance that joins until resumed' } },
    async (request, reply) => {
      const actor = actorOf(request, request.body.actor);
      try {
        const command = await fleet.halt(request.body.reason, actor);
        events.record('operator', 'fleet', `fleet halted by ${actor}: ${request.body.reason}`, 'critical', { actor });
        return { command, halt: await fleet.haltState() };
      } catch (error) {
        return fleetUnreachable(reply, error, 'the fleet was not halted');
      }
    },
  );

  app.post(
    '/api/fleet/resume',
    { config: { permission: 'gate:resume' }, schema: { tags, body: z.object({ reason: reason.min(1).optional(), actor: actorField }).strict().optional(), description: "Releases every instance's kill switch; conditions raised by an instance's own rules keep holding its gate" } },
    async (request, reply) => {
      const actor = actorOf(request, request.body?.actor);
      try {
        const command = await fleet.resume(request.body?.reason, actor);
        events.record('operator', 'fleet', `fleet resumed by ${actor}${request.body?.reason ? `: ${request.body.reason}` : ''}`, 'info', { actor });
        return { command, halt: await fleet.haltState() };
      } catch (error) {
        return fleetUnreachable(reply, error, 'the fleet was not resumed');
      }
    },
  );

  app.post(
    '/api/fleet/instances/:id/command',
    {
      config: { permission: 'fleet:write' },
      schema: {
        tags,
        params,
        body: z.object({ command: fleetCommandSchema, actor: actorField }).strict(),
        description: 'Sends one instance a command (halt, resume, isolate, release, reset); a stale instance gets it when it is back',
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const actor = actorOf(request, request.body.actor);
      const { command } = request.body;
      let instance: Awaited<ReturnType<FleetControl['instance']>>;
      let sent: Awaited<ReturnType<FleetControl['send']>>;
      try {
        instance = await fleet.instance(id);
        if (!instance) return problem(reply, 404, `no instance "${id}" in fleet ${fleet.fleet}`);
        sent = await fleet.send(id, command, actor);
      } catch (error) {
        return fleetUnreachable(reply, error, 'the command was not sent');
      }
      const what = 'breaker' in command ? `${command.type} ${command.breaker}` : command.type;
      events.record('operator', `instance ${id}`, `${what} sent by ${actor}${command.reason ? `: ${command.reason}` : ''}`, command.type === 'halt' ? 'critical' : 'info', { actor });
      return { command: sent, stale: instance.stale };
    },
  );
};

/**
 * `POST /api/gate/halt` and `/api/gate/resume` on a server that steers a fleet but has no gate of
 * its own: the gate is the fleet's, so they act fleet-wide (`GET /api/gate` shows the fleet's halt).
 */
export const fleetGateRoutes: FastifyPluginAsyncZod<FleetRoutesOptions> = async (app, { fleet, events }) => {
  const tags = ['trading gate'];
  const view = async () => {
    const halt = await fleet.haltState();
    return { mode: halt ? 'halted' : 'active', killed: halt !== null, killedBy: halt ? { actor: halt.by, reason: halt.reason, at: halt.at } : null, fleet: fleet.fleet };
  };
  app.get('/api/gate', { config: { permission: 'gate:read' }, schema: { tags, description: "The fleet's halt (this server has no gate of its own)" } }, async () => view());
  app.post('/api/gate/halt', { config: { permission: 'gate:halt' }, schema: { tags, body: z.object({ reason: reason.min(1, 'say why trading is halted'), actor: actorField }).strict(), description: 'Halts every instance of the fleet' } }, async (request, reply) => {
    const actor = actorOf(request, request.body.actor);
    try {
      await fleet.halt(request.body.reason, actor);
    } catch (error) {
      return fleetUnreachable(reply, error, 'the fleet was not halted');
    }
    events.record('operator', 'fleet', `fleet halted by ${actor}: ${request.body.reason}`, 'critical', { actor });
    return view();
  });
  app.post('/api/gate/resume', { config: { permission: 'gate:resume' }, schema: { tags, body: z.object({ reason: reason.min(1).optional(), actor: actorField }).strict().optional(), description: 'Resumes every instance of the fleet' } }, async (request, reply) => {
    const actor = actorOf(request, request.body?.actor);
    try {
      await fleet.resume(request.body?.reason, actor);
    } catch (error) {
      return fleetUnreachable(reply, error, 'the fleet was not resumed');
    }
    events.record('operator', 'fleet', `fleet resumed by ${actor}${request.body?.reason ? `: ${request.body.reason}` : ''}`, 'info', { actor });
    return view();
  });
};
