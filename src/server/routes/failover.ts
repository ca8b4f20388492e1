/**
 * Failover groups over the ops API: every group's snapshot, one group with its history, and the
 * operator's controls: drain, undrain and pin an endpoint, force a priority level, back to automatic.
 * Every control needs a reason; it goes into the group's history, on the timeline with who asked,
 * and into the audit log with the routing before and after. What an operator set by hand is kept by
 * the operator state across restarts (operator-state.ts).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FailoverGroup, ManualRouting } from '../../failover/types.js';
import { auditDetail } from '../audit-requests.js';
import { describeManual } from '../failover-events.js';
import type { LiveEvents } from '../live-events.js';
import type { FailoverDirectory, OperatorState } from '../operator-state.js';
import { actorField, actorOf } from './actor.js';
import { problem } from './errors.js';

export interface FailoverRoutesOptions {
  failover: FailoverDirectory;
  events: LiveEvents;
  /** Keeps each group's manual routing across restarts, with who set it. */
  operator: OperatorState;
}

const name = z.string().min(1).max(200);
const groupParams = z.object({ group: name });
const endpointParams = z.object({ group: name, endpoint: name });
const reason = z.string().trim().min(1, 'say why routing is changed by hand').max(200);
const actionBody = z.strictObject({ reason, actor: actorField });
const priorityBody = z.strictObject({ priority: z.number().int().min(0).max(1_000), reason, actor: actorField });
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100) });
/** The list may carry each group's latest changes too (the dashboard's one request per refresh). */
const listQuery = z.object({ history: z.coerce.number().int().min(0).max(1_000).default(0) });

type EndpointAction = 'drain' | 'undrain' | 'pin';

export const failoverRoutes: FastifyPluginAsyncZod<FailoverRoutesOptions> = async (app, { failover, events, operator }) => {
  const tags = ['failover'];
  const find = (group: string) => failover.groups().find((g) => g.name === group);
  const view = (group: FailoverGroup<unknown>) => ({ ...group.snapshot(), manualBy: operator.failoverChangedBy(group.name) ?? null });
  const noGroup = (group: string) => `no failover group named "${group}" (groups: ${failover.groups().map((g) => g.name).join(', ') || 'none'})`;

  app.get(
    '/api/failover',
    {
      config: { permission: 'failover:read' },
      schema: { tags, querystring: listQuery, description: "Every failover group: routing mode, active priority, endpoints with state, latency, share and ejections, what an operator set by hand and (with ?history=N) each group's latest N changes, newest first" },
    },
    async (request) => failover.groups().map((g) => ({ ...view(g), ...(request.query.history > 0 ? { history: [...g.history()].reverse().slice(0, request.query.history) } : {}) })),
  );

  app.get(
    '/api/failover/:group',
    { config: { permission: 'failover:read' }, schema: { tags, params: groupParams, querystring: historyQuery, description: "One group's snapshot and its history of changes, newest first, each with its reason, time and (for a manual one) who asked" } },
    async (request, reply) => {
      const group = find(request.params.group);
      if (!group) return problem(reply, 404, noGroup(request.params.group));
      return { ...view(group), history: [...group.history()].reverse().slice(0, request.query.limit) };
    },
  );

  /** Applies one manual change, keeps the result, records it; answers the group's view. */
  const act = async (
    request: Parameters<typeof actorOf>[0],
    group: FailoverGroup<unknown>,
    body: { reason: string; actor?: string | undefined },
    what: string,
    apply: (change: { reason: string; actor: string }) => void,
    target = group.name,
  ) => {
    const actor = actorOf(request, body.actor);
    const before: ManualRouting = group.manual();
    apply({ reason: body.reason, actor });
    await operator.keepFailover(group, actor, body.reason);
    const after = group.manual();
    auditDetail(request, { target, before: { routing: before }, after: { routing: after, reason: body.reason } });
    events.record('operator', group.name, `failover: ${what} by ${actor}: ${body.reason} (now ${describeManual(after)})`, 'warning', { actor });
    return view(group);
  };

  const endpointAction = (action: EndpointAction, description: string) =>
    app.post(
      `/api/failover/:group/endpoints/:endpoint/${action}`,
      { config: { permission: 'failover:operate' }, schema: { tags, params: endpointParams, body: actionBody, description } },
      async (request, reply) => {
        const { group: groupName, endpoint } = request.params;
        const group = find(groupName);
        if (!group) return problem(reply, 404, noGroup(groupName));
        const endpoints = group.snapshot().endpoints;
        const found = endpoints.find((e) => e.name === endpoint);
        if (!found) return problem(reply, 404, `no endpoint named "${endpoint}" in failover group "${groupName}" (endpoints: ${endpoints.map((e) => e.name).join(', ')})`);
        const manual = group.manual();
        if (action === 'drain' && manual.drained.includes(endpoint)) return problem(reply, 409, `endpoint "${endpoint}" of "${groupName}" is already drained`);
        if (action === 'undrain' && !manual.drained.includes(endpoint)) return problem(reply, 409, `endpoint "${endpoint}" of "${groupName}" is not drained`);
        if (action === 'pin' && manual.pinned === endpoint) return problem(reply, 409, `"${groupName}" is already pinned to "${endpoint}"`);
        if (action === 'drain' && manual.pinned === endpoint) return problem(reply, 409, `endpoint "${endpoint}" of "${groupName}" is pinned: return the group to automatic routing before draining it`);
        if (action === 'pin' && manual.drained.includes(endpoint)) return problem(reply, 409, `endpoint "${endpoint}" of "${groupName}" is drained: undrain it before pinning it`);
        const target = `${groupName}/${endpoint}`;
        if (action === 'drain') return act(request, group, request.body, `${endpoint} drained`, (c) => group.drain(endpoint, c), target);
        if (action === 'undrain') return act(request, group, request.body, `${endpoint} undrained`, (c) => group.undrain(endpoint, c), target);
        return act(request, group, request.body, `pinned to ${endpoint}`, (c) => group.pin(endpoint, c), target);
      },
    );

  endpointAction('drain', 'Takes the endpoint out of routing: calls in flight finish, no new ones go; kept across restarts until undrained');
  endpointAction('undrain', 'Puts a drained endpoint back into routing (its share ramps up under slow start)');
  endpointAction('pin', 'Sends every call to this endpoint, whatever its health, until routing is automatic again');

  app.post(
    '/api/failover/:group/priority',
    { config: { permission: 'failover:operate' }, schema: { tags, params: groupParams, body: priorityBody, description: "Forces the group onto one priority level's routable endpoints until routing is automatic again" } },
    async (request, reply) => {
      const group = find(request.params.group);
      if (!group) return problem(reply, 404, noGroup(request.params.group));
      const { priority } = request.body;
      const levels = [...new Set(group.snapshot().endpoints.map((e) => e.priority))].sort((a, b) => a - b);
      if (!levels.includes(priority)) return problem(reply, 400, `body.priority: no endpoint of "${group.name}" has priority ${priority} (levels: ${levels.join(', ')})`, [{ field: 'body.priority', reason: `no endpoint has priority ${priority} (levels: ${levels.join(', ')})` }]);
      return act(request, group, request.body, `priority ${priority} forced`, (c) => group.forcePriority(priority, c));
    },
  );

  app.post(
    '/api/failover/:group/automatic',
    { config: { permission: 'failover:operate' }, schema: { tags, params: groupParams, body: actionBody, description: 'Ends a pin or a forced priority: the group routes by its strategy and health again (drained endpoints stay drained)' } },
    async (request, reply) => {
      const group = find(request.params.group);
      if (!group) return problem(reply, 404, noGroup(request.params.group));
      const manual = group.manual();
      if (manual.pinned === undefined && manual.forcedPriority === undefined) return problem(reply, 409, `"${group.name}" already routes automatically (nothing pinned or forced)`);
      return act(request, group, request.body, 'back to automatic routing', (c) => group.automatic(c));
    },
  );
};
