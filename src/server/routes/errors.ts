/**
 * Error replies shared by the route plugins: every 4xx and 5xx is an RFC 9457 problem document,
 * `application/problem+json`, with `type`, `title`, `status` and `detail`; a request that failed
 * validation also names each field and why in `errors: [{ field, reason }]`.
 */
import type { FastifyReply } from 'fastify';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** One invalid field of a request: `body.threshold`, `query.limit`, `params.name`. */
export interface FieldError {
  field: string;
  reason: string;
}

/** An RFC 9457 problem document as the ops API sends it. */
export interface Problem {
  /** `about:blank`: the status code says what kind of problem it is, `title` is its phrase. */
  type: 'about:blank';
  title: string;
  status: number;
  /** What went wrong with this request, naming the field or component involved. */
  detail: string;
  /** Validation failures: every invalid field and the reason. */
  errors?: FieldError[];
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function problemOf(status: number, detail: string, errors?: FieldError[]): Problem {
  return { type: 'about:blank', title: titles[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'), status, detail, ...(errors && errors.length > 0 ? { errors } : {}) };
}

export function problem(reply: FastifyReply, status: number, detail: string, errors?: FieldError[]): FastifyReply {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemOf(status, detail, errors));
}

/** 404 for a component the server was started without. */
export function notConfigured(reply: FastifyReply, what: string): FastifyReply {
  return problem(reply, 404, `${what} is not configured on this server`);
}

export { messageOf } from '../../core/errors.js';
