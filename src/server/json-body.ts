/**
 * The JSON body parser: fastify's own refuses a `__proto__` key with "Body is not valid JSON",
 * which sends the caller looking for a syntax error. This one parses with JSON.parse (which makes
 * `__proto__` an ordinary own key, so nothing is polluted while looking), then refuses a body that
 * holds `__proto__`, or `constructor.prototype`, with a 400 naming the field and the reason.
 */
import type { FastifyInstance } from 'fastify';

/** A 400 the error handler turns into problem+json naming the field. */
export class BodyFieldError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'BodyFieldError';
  }
}

const PROTO_REASON = 'the key "__proto__" is refused: it would change the prototype of the object that receives it (prototype poisoning)';
const CONSTRUCTOR_REASON = 'the key "constructor.prototype" is refused: it would reach an object prototype (prototype poisoning)';

/** The path of the first poisoning key in a parsed value (`body.a.__proto__`), or undefined. */
export function poisonedField(value: unknown, path = 'body'): { field: string; reason: string } | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = poisonedField(item, `${path}.${i}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    if (key === '__proto__') return { field: `${path}.__proto__`, reason: PROTO_REASON };
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.prototype.hasOwnProperty.call(child, 'prototype')) {
      return { field: `${path}.constructor.prototype`, reason: CONSTRUCTOR_REASON };
    }
    const found = poisonedField(child, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new BodyFieldError('body', 'empty, but content-type is application/json'), undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The parser's message quotes part of the body, which may hold a secret: not repeated.
      return done(new BodyFieldError('body', 'not valid JSON'), undefined);
    }
    const poisoned = poisonedField(value);
    if (poisoned) return done(new BodyFieldError(poisoned.field, poisoned.reason), undefined);
    return done(null, value);
  });
}
