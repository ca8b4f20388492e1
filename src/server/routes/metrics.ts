/**
 * GET /metrics: Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the Accept header asks for
 * it. Scrapes that arrive while one is being rendered share its result (single flight): a burst of
 * scrapers costs one rendering, and no answer is older than the request that asked for it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../observe/metrics.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
}

/** One rendering at a time; callers that arrive meanwhile get the same promise. */
export function singleFlight(render: () => Promise<string>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= render().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics }) => {
  const text = singleFlight(() => metrics.text());
  const openMetrics = singleFlight(() => metrics.openMetrics());
  app.get('/metrics', { config: { permission: 'metrics:read' }, schema: { description: 'Prometheus metrics (OpenMetrics with Accept: application/openmetrics-text)', tags: ['metrics'] } }, async (request, reply) => {
    const wantsOpenMetrics = (request.headers.accept ?? '').includes('application/openmetrics-text');
    const body = wantsOpenMetrics ? await openMetrics() : await text();
    const type = wantsOpenMetrics ? metrics.openMetricsRegistry.contentType : metrics.registry.contentType;
    return reply.header('content-type', type).header('cache-control', 'no-store').send(body);
  });
};
