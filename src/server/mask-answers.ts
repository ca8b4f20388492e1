/**
 * The last guard on the way out: every text answer of the server (JSON, problem+json, /metrics,
 * HTML) has the registered secret values (core/secrets.ts: the configuration's secrets and the
 * decrypted `secret:NAME` values) masked, so a value that slipped into an error message, a dead
 * letter, a label or a timeline entry still never reaches a client. Streams (the live events)
 * mask each event as they write it (routes/events.ts).
 */
import type { FastifyInstance } from 'fastify';
import { maskRegisteredSecrets } from '../core/secrets.js';

export function maskSecretsInAnswers(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' ? maskRegisteredSecrets(payload) : payload));
}
