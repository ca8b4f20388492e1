/**
 * Who acts. A request authenticated by a token or a session acts as that principal (its name), and
 * an `actor` it claims is not believed. Without authentication (a library caller's buildApp, or a
 * loopback read): the `actor` field of an operator request, else the `x-bulwark-actor` header, else 'operator'.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEFAULT_ACTOR } from '../operator-state.js';

/** The `actor` field operator actions accept in their body. */
export const actorField = z.string().trim().min(1).max(100).regex(/^[\w.@:+-]+$/, 'letters, digits and . _ @ : + - only').optional();

const headerSchema = actorField.unwrap();

export function actorOf(request: FastifyRequest, bodyActor?: string): string {
  const principal = request.principal;
  if (principal && (principal.kind === 'token' || principal.kind === 'session')) return principal.name;
  if (bodyActor) return bodyActor;
  const header = request.headers['x-bulwark-actor'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return DEFAULT_ACTOR;
  const parsed = headerSchema.safeParse(value);
  if (!parsed.success) throw new RangeError(`headers.x-bulwark-actor: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}
