/**
 * The answers fastify gives before any route or hook runs (a URL that is not validly
 * percent-encoded, a path parameter past the router's length limit) as problem+json like every
 * other error, instead of fastify's own JSON that quotes the whole path back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem } from './routes/errors.js';

/** The router's limit on one path parameter (fastify's `maxParamLength`): ids and names are far shorter. */
export const MAX_PARAM_LENGTH = 100;

/** fastify's `frameworkErrors` option. */
export function frameworkErrors(error: { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    problem(reply, 400, 'url: not a valid percent-encoded path');
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    problem(reply, 414, `url: a path parameter is longer than ${MAX_PARAM_LENGTH} characters`);
    return;
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  problem(reply, status, status === 500 ? 'the request could not be routed' : 'the request could not be routed: bad request');
}
