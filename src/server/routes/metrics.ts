/** GET /metrics: Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the Accept header asks for it. */
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../observe/metrics.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { metrics }) => {
  app.get('/metrics', { schema: { description: 'Prometheus metrics (OpenMetrics with Accept: application/openmetrics-text)', tags: ['metrics'] } }, async (request, reply) => {
    const openMetrics = (request.headers.accept ?? '').includes('application/openmetrics-text');
    const body = openMetrics ? await metrics.openMetrics() : await metrics.text();
    const type = openMetrics ? metrics.openMetricsRegistry.contentType : metrics.registry.contentType;
    return reply.header('content-type', type).header('cache-control', 'no-store').send(body);
  });
};
