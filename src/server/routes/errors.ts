/** Replies shared by the route plugins: one shape for every 4xx, `{ statusCode, error, message }`. */
import type { FastifyReply } from 'fastify';

const titles: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' };

export function problem(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ statusCode, error: titles[statusCode] ?? 'Error', message });
}

/** 404 for a component the server was started without. */
export function notConfigured(reply: FastifyReply, what: string): FastifyReply {
  return problem(reply, 404, `${what} is not configured on this server`);
}

export { messageOf } from '../../core/errors.js';
