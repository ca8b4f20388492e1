/**
 * Every state-changing request (POST, PUT, PATCH, DELETE) goes into the audit log once its answer
 * is sent, refused ones included with their status: who (`request.principal`), the route and method,
 * the target (route parameters, else the ids in the body), the request id, the caller's address and
 * compliance tags. A route adds what it changed with `auditDetail(request, { before, after })`.
 * Bodies are never copied wholesale, and what is kept is redacted by the audit log.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog, AuditTag } from '../security/audit-log.js';

/** What a route tells the audit log about the change it made. */
export interface AuditDetail {
  before?: unknown;
  after?: unknown;
  /** Overrides the target taken from the route parameters or the body. */
  target?: string;
  /** Added to the tags of the route's area. */
  tags?: readonly AuditTag[];
}

const details = new WeakMap<FastifyRequest, AuditDetail>();

/** Attaches before/after (and a target or tags) to the audit entry of this request; later calls add to earlier ones. */
export function auditDetail(request: FastifyRequest, detail: AuditDetail): void {
  const had = details.get(request) ?? {};
  details.set(request, { ...had, ...detail, tags: [...(had.tags ?? []), ...(detail.tags ?? [])] });
}

export const AUDIT_REQUESTS_DEFAULTS = {
  methods: ['POST', 'PUT', 'PATCH', 'DELETE'] as readonly string[], // the methods that change state; reads are not audited
  maxTargetLength: 200, // a target names a thing; a longer one is cut rather than stored whole
  // The compliance tags of each area, by route prefix (first match wins).
  routeTags: [
    ['/api/gate', ['trading-control']],
    ['/api/breakers', ['trading-control']],
    ['/api/fleet', ['trading-control']],
    ['/api/region', ['trading-control']],
    ['/api/orders', ['trading-control']],
    ['/api/backups', ['data-recovery']],
    ['/api/dead-letters', ['data-recovery']],
    ['/api/alerts', ['configuration']],
    ['/api/tokens', ['access-control']],
    ['/api/auth', ['access-control']],
    ['/api/login', ['access-control']],
    ['/api/logout', ['access-control']],
    ['/api/secrets', ['access-control']],
  ] as ReadonlyArray<readonly [string, readonly AuditTag[]]>,
};

export interface AuditRequestsOptions {
  /** Called when an entry could not be written after every try (the audit log also emits `failure`). */
  onFailure?: (error: unknown, request: FastifyRequest) => void;
}

/** The ids a body names, without copying anything else from it. */
function bodyTarget(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['id', 'name', 'condition', 'rule', 'instance']) if (typeof b[key] === 'string') return b[key];
  if (Array.isArray(b.ids) && b.ids.every((v) => typeof v === 'string')) return b.ids.join(',');
  return undefined;
}

function targetOf(request: FastifyRequest): string | null {
  const params = request.params as Record<string, unknown> | undefined;
  const values = params ? Object.entries(params).filter(([k, v]) => k !== '*' && typeof v === 'string').map(([, v]) => v as string) : [];
  const target = values.length > 0 ? values.join('/') : bodyTarget(request.body);
  return target === undefined ? null : target.slice(0, AUDIT_REQUESTS_DEFAULTS.maxTargetLength);
}

function tagsOf(path: string): AuditTag[] {
  const found = AUDIT_REQUESTS_DEFAULTS.routeTags.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
  return found ? [...found[1]] : [];
}

/**
 * Registers the onSend hook on `app` (call before the routes): the entry is written before the
 * answer leaves, so a caller told "done" is in the log even if the process dies the next moment.
 * Closing the app waits for entries still being written.
 */
export function recordRequests(app: FastifyInstance, audit: AuditLog, options: AuditRequestsOptions = {}): void {
  const pending = new Set<Promise<unknown>>();
  app.addHook('onSend', async (request, reply, payload) => {
    if (!AUDIT_REQUESTS_DEFAULTS.methods.includes(request.method)) return payload;
    const route = request.routeOptions.url;
    // A request no route matched is recorded by its path (cut short): probing is worth seeing.
    const path = route ?? request.url.split('?')[0]!.slice(0, AUDIT_REQUESTS_DEFAULTS.maxTargetLength);
    const detail = details.get(request) ?? {};
    const status = reply.statusCode;
    const principal = request.principal;
    const written = audit
      .append({
        actor: principal?.name ?? 'anonymous',
        actorKind: principal?.kind ?? 'anonymous',
        action: `${request.method} ${route ?? '(no route)'}`,
        target: detail.target ?? (route ? targetOf(request) : path),
        before: detail.before,
        after: detail.after,
        requestId: String(request.id),
        source: request.ip,
        outcome: status >= 500 ? 'failure' : status >= 400 ? 'rejected' : 'success',
        status,
        tags: [...tagsOf(path), ...(detail.tags ?? [])],
      })
      .catch((error: unknown) => options.onFailure?.(error, request));
    pending.add(written);
    void written.finally(() => pending.delete(written));
    await written;
    return payload;
  });
  app.addHook('onClose', async () => {
    await Promise.all(pending);
  });
}
