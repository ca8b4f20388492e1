/**
 * The API's own description: GET /docs/openapi.json (the OpenAPI document, carrying the package
 * version) and GET /docs (that document as a page, rendered here; nothing is fetched elsewhere).
 */
import type { FastifyPluginAsync } from 'fastify';
import { type OpenApiDocument, openApiPage } from '../openapi-page.js';

export const DOCS_SPEC_URL = '/docs/openapi.json';

export const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get(DOCS_SPEC_URL, { config: { permission: 'docs:read' }, schema: { hide: true } }, async () => app.swagger());
  let page: string | undefined;
  app.get('/docs', { config: { permission: 'docs:read' }, schema: { hide: true } }, async (_request, reply) => {
    // The routes are fixed once the server is ready: render once.
    page ??= openApiPage(app.swagger() as unknown as OpenApiDocument, DOCS_SPEC_URL);
    return reply.type('text/html; charset=utf-8').send(page);
  });
};
