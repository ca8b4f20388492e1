/**
 * Circuit breakers: list, detail, reset, isolate and release. An isolation made here is held by
 * the server until released here; operator actions go on the timeline.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { IsolationHandle } from '../../policies/breaker/index.js';
import { type BreakerDirectory, breakerName } from '../components.js';
import type { LiveEvents } from '../live-events.js';
import { breakerView } from '../overview.js';
import { problem } from './errors.js';

export interface BreakerRoutesOptions {
  breakers: BreakerDirectory;
  events: LiveEvents;
}

const params = z.object({ name: z.string().min(1).max(200) });
const actionBody = z.object({ reason: z.string().max(200).optional() }).strict().optional();

export const breakerRoutes: FastifyPluginAsyncZod<BreakerRoutesOptions> = async (app, { breakers, events }) => {
  const held = new Map<string, IsolationHandle>();
  const find = (name: string) => breakers.breakers().find((b) => breakerName(b) === name);
  const tags = ['breakers'];

  app.get('/api/breakers', { schema: { tags, description: 'Every breaker with its state and window figures' } }, async () =>
    breakers.breakers().map((b) => ({ ...breakerView(breakerName(b), b.metrics()), isolatedByOperator: held.has(breakerName(b)) })),
  );

  app.get('/api/breakers/:name', { schema: { tags, params, description: 'One breaker: metrics and snapshot' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    return { ...breakerView(name, breaker.metrics()), isolatedByOperator: held.has(name), snapshot: breaker.snapshot() };
  });

  app.post('/api/breakers/:name/reset', { schema: { tags, params, body: actionBody, description: 'Closes the breaker and clears its window' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    held.get(name)?.release();
    held.delete(name);
    breaker.reset();
    events.record('operator', name, `breaker reset by operator${request.body?.reason ? `: ${request.body.reason}` : ''}`);
    return { name, state: breaker.state };
  });

  app.post('/api/breakers/:name/isolate', { schema: { tags, params, body: actionBody, description: 'Holds the breaker open (isolated) until released' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    if (held.has(name)) return problem(reply, 409, `breaker "${name}" is already isolated by an operator`);
    held.set(name, breaker.isolate());
    events.record('operator', name, `breaker isolated by operator${request.body?.reason ? `: ${request.body.reason}` : ''}`, 'warning');
    return { name, state: breaker.state };
  });

  app.post('/api/breakers/:name/release', { schema: { tags, params, body: actionBody, description: 'Releases an isolation made through this API' } }, async (request, reply) => {
    const name = request.params.name;
    const breaker = find(name);
    if (!breaker) return problem(reply, 404, `no breaker named "${name}"`);
    const handle = held.get(name);
    if (!handle) return problem(reply, 409, `breaker "${name}" is not isolated by an operator`);
    handle.release();
    held.delete(name);
    events.record('operator', name, 'breaker released by operator');
    return { name, state: breaker.state };
  });
};
