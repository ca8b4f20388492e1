/**
 * Fault proxies over HTTP (/api/chaos/proxies): list and read them (`chaos:read`); create,
 * delete, enable, disable, and add, update or remove toxics (`chaos:run`). Served only when the
 * server runs with chaos on (`features.chaos`) and a proxies component. Each change goes on the
 * timeline with who made it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FaultProxies } from '../../chaos/proxy/proxies.js';
import { TOXIC_DIRECTIONS, type Toxic, type ToxicSpec } from '../../chaos/proxy/toxic.js';
import type { LiveEvents } from '../live-events.js';
import { actorOf } from './actor.js';
import { auditDetail } from '../audit-requests.js';
import { problem } from './errors.js';

export interface ChaosProxyRoutesOptions {
  proxies: FaultProxies;
  events: LiveEvents;
}

const DAY_MS = 86_400_000;
const name = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, '1-100 letters, digits or . _ -');
const ms = z.number().int().min(0).max(DAY_MS);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const direction = z.enum(TOXIC_DIRECTIONS);
const toxicity = z.number().min(0).max(1);

/** Attributes per type, each optional (the defaults of toxic.ts fill the rest). */
const attributes = {
  latency: z.strictObject({ latencyMs: ms.optional(), jitterMs: ms.optional() }),
  bandwidth: z.strictObject({ kilobytesPerSecond: count.optional() }),
  slowClose: z.strictObject({ delayMs: ms.optional() }),
  timeout: z.strictObject({ timeoutMs: ms.optional() }),
  resetPeer: z.strictObject({ delayMs: ms.optional() }),
  slicer: z.strictObject({ averageSize: count.min(1).optional(), sizeVariation: count.optional(), delayMs: ms.optional() }),
  limitData: z.strictObject({ bytes: count.optional() }),
};
const toxicOf = <T extends keyof typeof attributes>(type: T) =>
  z.strictObject({ type: z.literal(type), name: name.optional(), direction: direction.optional(), toxicity: toxicity.optional(), attributes: attributes[type].optional() });
const toxicBody = z.discriminatedUnion('type', [toxicOf('latency'), toxicOf('bandwidth'), toxicOf('slowClose'), toxicOf('timeout'), toxicOf('resetPeer'), toxicOf('slicer'), toxicOf('limitData')]);
const patchBody = z.strictObject({
  direction: direction.optional(),
  toxicity: toxicity.optional(),
  attributes: z.record(z.string(), count).optional().describe("the toxic's own attributes to change (e.g. { latencyMs: 300 })"),
});
const address = z.string().trim().min(1).max(300);
const createBody = z.strictObject({
  name,
  listen: address.describe('where to listen: ":PORT" (loopback) or "HOST:PORT"'),
  upstream: address.describe('"HOST:PORT" the connections go to'),
  enabled: z.boolean().optional(),
  toxics: z.array(toxicBody).max(50).optional(),
});

const proxyParams = z.object({ name });
const toxicParams = z.object({ name, toxic: name });

export const chaosProxyRoutes: FastifyPluginAsyncZod<ChaosProxyRoutesOptions> = async (app, { proxies, events }) => {
  const tags = ['chaos'];
  const read = { permission: 'chaos:read' };
  const run = { permission: 'chaos:run' };
  const describeToxic = (t: Toxic): string => `${t.name} (${t.type} ${t.direction}${t.toxicity < 1 ? ` ${Math.round(t.toxicity * 100)}%` : ''})`;

  app.get('/api/chaos/proxies', { config: read, schema: { tags, description: 'Every fault proxy: where it listens, its upstream, whether it is enabled, its toxics and open connections' } }, async () => ({ proxies: proxies.list() }));

  app.get('/api/chaos/proxies/:name', { config: read, schema: { tags, params: proxyParams, description: 'One fault proxy with its open connections' } }, async (request, reply) => {
    const proxy = proxies.get(request.params.name);
    if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
    return { ...proxy.view(), openConnections: proxy.connections() };
  });

  app.post('/api/chaos/proxies', { config: run, schema: { tags, body: createBody, description: 'Creates and starts a fault proxy' } }, async (request, reply) => {
    const body = request.body;
    if (proxies.get(body.name)) return problem(reply, 409, `a fault proxy named "${body.name}" exists`, [{ field: 'body.name', reason: 'in use' }]);
    try {
      const proxy = await proxies.create({ name: body.name, listen: body.listen, upstream: body.upstream, ...(body.enabled !== undefined ? { enabled: body.enabled } : {}), ...(body.toxics ? { toxics: body.toxics as ToxicSpec[] } : {}) });
      const actor = actorOf(request);
      auditDetail(request, { after: proxy.view() });
      events.record('operator', `proxy ${proxy.name}`, `fault proxy created by ${actor}: ${proxy.view().listen} → ${proxy.view().upstream}`, 'warning', { actor });
      return reply.code(201).send(proxy.view());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') return problem(reply, 409, `body.listen: ${body.listen} is in use`, [{ field: 'body.listen', reason: 'address in use' }]);
      if (code === 'EACCES' || code === 'EADDRNOTAVAIL') return problem(reply, 400, `body.listen: cannot listen on ${body.listen} (${code})`, [{ field: 'body.listen', reason: code }]);
      const address = /^faultProxy: (listen|upstream) (.*)$/.exec((error as Error).message);
      if (error instanceof RangeError && address) return problem(reply, 400, error.message, [{ field: `body.${address[1]}`, reason: address[2] as string }]);
      throw error;
    }
  });

  app.delete('/api/chaos/proxies/:name', { config: run, schema: { tags, params: proxyParams, description: 'Closes a fault proxy and its connections' } }, async (request, reply) => {
    const proxy = proxies.get(request.params.name);
    if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
    auditDetail(request, { before: proxy.view() });
    await proxies.remove(proxy.name);
    const actor = actorOf(request);
    events.record('operator', `proxy ${proxy.name}`, `fault proxy deleted by ${actor}`, 'info', { actor });
    return reply.code(204).send();
  });

  for (const action of ['enable', 'disable'] as const) {
    app.post(
      `/api/chaos/proxies/:name/${action}`,
      { config: run, schema: { tags, params: proxyParams, description: action === 'enable' ? 'Listens again' : 'Stops listening and drops every connection (clients see the connection refused)' } },
      async (request, reply) => {
        const proxy = proxies.get(request.params.name);
        if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
        const before = proxy.enabled;
        if (action === 'enable') await proxy.enable();
        else await proxy.disable();
        if (before !== proxy.enabled) {
          const actor = actorOf(request);
          auditDetail(request, { before: { enabled: before }, after: { enabled: proxy.enabled } });
          events.record('operator', `proxy ${proxy.name}`, `fault proxy ${action}d by ${actor}`, action === 'disable' ? 'warning' : 'info', { actor });
        }
        return proxy.view();
      },
    );
  }

  app.post('/api/chaos/proxies/:name/toxics', { config: run, schema: { tags, params: proxyParams, body: toxicBody, description: 'Adds a toxic; it applies to data read from now on, on open and new connections' } }, async (request, reply) => {
    const proxy = proxies.get(request.params.name);
    if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
    const spec = request.body as ToxicSpec;
    const wanted = spec.name ?? `${spec.type}_${spec.direction ?? 'downstream'}`;
    if (proxy.toxic(wanted)) return problem(reply, 409, `proxy "${proxy.name}" has a toxic named "${wanted}"; update or remove it, or give another name`, [{ field: 'body.name', reason: 'in use' }]);
    const toxic = proxy.addToxic(spec);
    const actor = actorOf(request);
    auditDetail(request, { after: toxic });
    events.record('fault', `proxy ${proxy.name}`, `toxic ${describeToxic(toxic)} added by ${actor}`, 'warning', { actor });
    return reply.code(201).send(toxic);
  });

  app.patch('/api/chaos/proxies/:name/toxics/:toxic', { config: run, schema: { tags, params: toxicParams, body: patchBody, description: "Changes a toxic's direction, toxicity or attributes; every connection draws it again" } }, async (request, reply) => {
    const proxy = proxies.get(request.params.name);
    if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
    const before = proxy.toxic(request.params.toxic);
    if (!before) return problem(reply, 404, `proxy "${proxy.name}" has no toxic named "${request.params.toxic}"`);
    try {
      const toxic = proxy.updateToxic(before.name, request.body);
      const actor = actorOf(request);
      auditDetail(request, { before, after: toxic });
      events.record('fault', `proxy ${proxy.name}`, `toxic ${describeToxic(toxic)} updated by ${actor}`, 'warning', { actor });
      return toxic;
    } catch (error) {
      // The attribute names depend on the toxic's type: refused here with the field named (toxic.ts says which).
      const field = /attributes\.(\w+)/.exec((error as Error).message)?.[1];
      if (error instanceof RangeError && field) return problem(reply, 400, (error as Error).message, [{ field: `body.attributes.${field}`, reason: (error as Error).message.replace(/^.*?attributes\.\w+ /, '') }]);
      throw error;
    }
  });

  app.delete('/api/chaos/proxies/:name/toxics/:toxic', { config: run, schema: { tags, params: toxicParams, description: 'Removes a toxic; a connection whose bytes a timeout toxic swallowed is closed' } }, async (request, reply) => {
    const proxy = proxies.get(request.params.name);
    if (!proxy) return problem(reply, 404, `no fault proxy named "${request.params.name}"`);
    const before = proxy.toxic(request.params.toxic);
    if (!before) return problem(reply, 404, `proxy "${proxy.name}" has no toxic named "${request.params.toxic}"`);
    proxy.removeToxic(before.name);
    const actor = actorOf(request);
    auditDetail(request, { before });
    events.record('fault', `proxy ${proxy.name}`, `toxic ${before.name} removed by ${actor}`, 'info', { actor });
    return reply.code(204).send();
  });
};
