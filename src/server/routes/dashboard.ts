/**
 * The dashboard: the bundled page and its assets (dist/web, built by scripts/build-web.mjs),
 * served from this process so it works with no internet access.
 */
import { existsSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

export interface DashboardRoutesOptions {
  /** Folder holding index.html and the bundle; undefined when the dashboard was not built. */
  root: string | undefined;
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRoutesOptions> = async (app, { root }) => {
  if (root && existsSync(root)) {
    await app.register(fastifyStatic, { root, prefix: '/', index: 'index.html', cacheControl: false, schemaHide: true });
    return;
  }
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build:web` (the API under /api and /metrics works).'),
  );
};
