/**
 * Circuit breakers: list, detail, reset, isolate and release. An isolation made here is held by
 * the server until released here, across restarts when the server has a store (operator-state.ts); operator actions go on the timeline.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type BreakerDirectory, breakerName } from '../components.js';
import type { LiveEvents } from '../live-events.js';
import type { OperatorState } from '../operator-state.js';
import { breakerView } from '../overview.js';
import { actorField, actorOf } from './actor.js';
import { auditDetail } from '../audit-requests.js';
import { problem } from './errors.js';

export interface BreakerRoutesOptions {
  breakers: BreakerDirectory;
  events: LiveEvents;
  /** Holds isolations made here, across restarts, with who made them. */
  operator: OperatorState;
}

const params = z.object({ name: z.string().min(1).max(200) });
const actionBody = z.object({ reason: z.string().max(200).optional(), actor: actorField }).strict().optional();

export const breakerRoutes: FastifyPluginAsyncZod<BreakerRoutesOptions> = async (app, { breakers, events, operator }) => {
  const isolation = (name: string) => ({ isolatedByOperator: operator.isIsolated(name), isolatedBy: operator.isolatedBy(name) ?? null });
  const find = (name: string) => breakers.breakers().find((b) => breakerName(b) === name);
  const tags = ['breakers'];

  app.get('/api/breakers', { config: { permission: 'breakers:read' }, schema: { tags, description: 'Every breaker with its state and window figures' } }, async () =>
    breakers.breakers().map((b) => ({ ...breakerView(breakerName(b), b.metrics()), ...isolation(breakerName(b)) })),
  );

  app.get('/api/breakers/:name', { config: { permission: 'breakers:read' }, schema: { tags, params, description: 'One breaker: metrics, the settings in force (window, thresholds, open time) and snapshot' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    const { openMs, ...settings } = breaker.currentSettings();
    // A growing open time is a Backoff (code, not data): said as such.
    return { ...breakerView(name, breaker.metrics()), ...isolation(name), settings: { ...settings, openMs: typeof openMs === 'number' ? openMs : 'backoff' }, snapshot: breaker.snapshot() };
  });

  app.post('/api/breakers/:name/reset', { config: { permission: 'breakers:write' }, schema: { tags, params, body: actionBody, description: 'Closes the breaker and clears its window' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    const actor = actorOf(request, request.body?.actor);
    const before = breaker.state;
    await operator.release(name);
    breaker.reset();
    auditDetail(request, { before: { state: before }, after: { state: breaker.state } });
    events.record('operator', name, `breaker reset by ${actor}${request.body?.reason ? `: ${request.body.reason}` : ''}`, 'info', { actor });
    return { name, state: breaker.state };
  });

  app.post('/api/breakers/:name/isolate', { config: { permission: 'breakers:write' }, schema: { tags, params, body: actionBody, description: 'Holds the breaker open (isolated) until released' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    const actor = actorOf(request, request.body?.actor);
    const before = breaker.state;
    if (!(await operator.isolate(name, actor, request.body?.reason ?? null))) return problem(reply, 409, `breaker "${name}" is already isolated by an operator`);
    auditDetail(request, { before: { state: before }, after: { state: breaker.state } });
    events.record('operator', name, `breaker isolated by ${actor}${request.body?.reason ? `: ${request.body.reason}` : ''}`, 'warning', { actor });
    return { name, state: breaker.state, ...isolation(name) };
  });

  app.post('/api/breakers/:name/release', { config: { permission: 'breakers:write' }, schema: { tags, params, body: actionBody, description: 'Releases an isolation made through this API' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    const actor = actorOf(request, request.body?.actor);
    const before = breaker.state;
    if (!(await operator.release(name))) return problem(reply, 409, `breaker "${name}" is not isolated by an operator`);
    auditDetail(request, { before: { state: before }, after: { state: breaker.state } });
    events.record('operator', name, `breaker released by ${actor}`, 'info', { actor });
    return { name, state: breaker.state };
  });
};
