/**
 * Security headers on every answer, with @fastify/helmet: a Content-Security-Policy under which
 * the dashboard works (its script, styles and data all come from this server; charts draw on a
 * canvas) and nothing else runs, no framing (`frame-ancestors 'none'`, `X-Frame-Options: DENY`),
 * no MIME sniffing, no referrer to other sites. HSTS only when the server speaks TLS.
 */
import { createHash } from 'node:crypto';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { PAGE_STYLE } from './openapi-page.js';

/** The API document page (/docs) carries one inline style block: allowed by its hash, nothing else inline. */
const docsStyleHash = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", docsStyleHash],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Not upgrade-insecure-requests: the server may speak plain HTTP on loopback, where the upgrade would break every request.
  upgradeInsecureRequests: null,
};

export async function securityHeaders(app: FastifyInstance, options: { tls: boolean }): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    // A year, as browsers' preload lists ask; only meaningful (and only sent) over TLS.
    strictTransportSecurity: options.tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false, // the page embeds nothing from elsewhere; require-corp would only add failure modes
  });
}
