/**
 * GET /api/events: the dashboard's Server-Sent Events stream.
 *   event: snapshot  the overview (see overview.ts), at once and then every `snapshotMs`
 *   event: timeline  one timeline entry as it happens (id: the entry's id)
 * A client that reconnects with Last-Event-ID first gets the timeline entries it missed.
 * Also GET /api/overview and GET /api/timeline for the same data without a stream.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Clock, setTimerOn } from '../../core/clock.js';
import { maskRegisteredSecrets } from '../../core/secrets.js';
import type { LiveEvents, TimelineEntry } from '../live-events.js';
import { problem } from './errors.js';
import type { Overview } from '../overview.js';

export interface EventRoutesOptions {
  events: LiveEvents;
  overview: () => Promise<Overview>;
  clock: Clock;
  /** Period of snapshot events. */
  snapshotMs: number;
  /** Receives the function that ends every open stream (called when a graceful stop begins). */
  onEndStreams?: (end: () => void) => void;
}

function write(res: ServerResponse, type: string, data: unknown, id?: number): void {
  res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${maskRegisteredSecrets(JSON.stringify(data))}\n\n`);
}

export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, { events, overview, clock, snapshotMs, onEndStreams }) => {
  const tags = ['events'];
  const streams = new Set<ServerResponse>();
  let cancelTick: (() => void) | undefined;

  const tick = (): void => {
    cancelTick = undefined;
    if (streams.size === 0) return;
    overview().then(
      (snapshot) => {
        for (const res of streams) write(res, 'snapshot', snapshot);
      },
      (error: unknown) => app.log.warn({ err: error }, 'overview failed'),
    ).finally(() => {
      if (streams.size > 0 && !cancelTick) cancelTick = setTimerOn(clock, snapshotMs, tick);
    });
  };

  const unsubscribe = events.subscribe((event) => {
    const id = event.type === 'timeline' ? (event.data as TimelineEntry).id : undefined;
    for (const res of streams) write(res, event.type, event.data, id);
  });

  // End open streams before the server waits for its connections to close; the client's EventSource reconnects elsewhere.
  let ended = false;
  const endStreams = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    cancelTick?.();
    for (const res of streams) res.end();
    streams.clear();
  };
  onEndStreams?.(endStreams);
  app.addHook('preClose', async () => endStreams());

  app.get('/api/overview', { config: { permission: 'events:read' }, schema: { tags, description: 'The dashboard overview in one document' } }, async () => overview());

  app.get(
    '/api/timeline',
    { config: { permission: 'events:read' }, schema: { tags, description: 'State changes, newest first', querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), afterId: z.coerce.number().int().min(0).default(0) }) } },
    async (request) => events.timeline(request.query),
  );

  app.get('/api/events', { config: { permission: 'events:read' }, schema: { tags, description: 'Server-Sent Events: snapshot and timeline', headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).passthrough() } }, async (request, reply) => {
    const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' };
    // HEAD (fastify answers it with this handler): the headers of the stream, and the end at once.
    if (request.method === 'HEAD') return reply.headers(headers).send();
    if (ended) return problem(reply.header('connection', 'close'), 503, 'the server is stopping');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...headers, connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const lastId = request.headers['last-event-id'];
    const missed = typeof lastId === 'number' && lastId > 0 ? events.timeline({ afterId: lastId, limit: 500 }) : events.timeline({ limit: 50 });
    for (const entry of missed.reverse()) write(res, 'timeline', entry, entry.id);
    streams.add(res);
    request.raw.on('close', () => streams.delete(res));
    try {
      write(res, 'snapshot', await overview());
    } catch (error) {
      app.log.warn({ err: error }, 'overview failed');
    }
    if (!cancelTick) cancelTick = setTimerOn(clock, snapshotMs, tick);
  });
};
