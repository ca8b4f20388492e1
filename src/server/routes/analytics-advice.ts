/**
 * The tuning advisor over the ops API: the recommendations over a range, each with its evidence
 * and both replays, and the configuration diff; and applying one (operators). A recommendation is
 * applied live only where a runtime update exists for its keys; otherwise 409 says a restart with
 * the diff is needed and carries the diff. An applied one goes on the timeline and, as every
 * state-changing request, into the audit log with the values before and after.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AdviceService } from '../../analytics/advisor/advice-service.js';
import { ConfigError } from '../../config/config-error.js';
import type { ConfigChange } from '../../config/runtime.js';
import { auditDetail } from '../audit-requests.js';
import type { LiveEvents } from '../live-events.js';
import type { LivePolicies } from '../live-policies.js';
import { actorField, actorOf } from './actor.js';
import { PROBLEM_CONTENT_TYPE, problem, problemOf } from './errors.js';
import { instant } from './instant.js';

export interface AdviceRoutesOptions {
  advice: AdviceService;
  events: LiveEvents;
  /** Policies that change at run time: the changes in force and their revert (routes absent without). */
  live?: Pick<LivePolicies, 'overrides' | 'history' | 'set' | 'revert' | 'keys'>;
}

export const analyticsAdviceRoutes: FastifyPluginAsyncZod<AdviceRoutesOptions> = async (app, { advice, events, live }) => {
  const tags = ['analytics'];

  app.get(
    '/api/analytics/recommendations',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        description: 'The tuning advisor: per dependency and rule, a recommendation with its evidence, the replay of the current and proposed settings, and the configuration diff of the recommended ones (a week back by default)',
        querystring: z
          .object({
            since: instant.optional().describe('read the recording from this time'),
            until: instant.optional().describe('up to this time (default now)'),
            dependency: z.string().min(1).max(200).optional(),
          })
          .strict()
          .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, { message: 'since must be before until', path: ['since'] }),
      },
    },
    async (request) => {
      const { since, until, dependency } = request.query;
      return advice.recommendations({ ...(since !== undefined ? { sinceMs: since } : {}), ...(until !== undefined ? { untilMs: until } : {}), ...(dependency ? { dependency } : {}) });
    },
  );

  app.post(
    '/api/analytics/recommendations/:id/apply',
    {
      config: { permission: 'analytics:apply' },
      schema: {
        tags,
        description: 'Apply a recommendation of the latest advice live (only where runtime updates exist for its keys; else 409 with the configuration diff to restart with)',
        params: z.object({ id: z.string().min(1).max(300) }),
        body: z.strictObject({ reason: z.string().trim().min(1).max(200).optional(), actor: actorField }).nullish(),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body?.actor);
      const reason = request.body?.reason;
      const result = await advice.apply(request.params.id, { actor, ...(reason ? { reason } : {}) });
      switch (result.outcome) {
        case 'unknown':
          return problem(reply, 404, result.message);
        case 'not-applicable':
          return problem(reply, 409, result.message);
        case 'restart-needed':
          auditDetail(request, { target: request.params.id, before: result.recommendation.changes.map((c) => ({ key: c.key ?? c.option, value: c.from })), after: { applied: false, restartNeeded: true } });
          return reply.code(409).type(PROBLEM_CONTENT_TYPE).send({ ...problemOf(409, result.message), diff: result.diff });
        case 'applied': {
          auditDetail(request, { target: request.params.id, tags: ['configuration'], before: result.changes.map((c) => ({ key: c.path, value: c.from })), after: result.changes.map((c) => ({ key: c.path, value: c.to })) });
          const what = result.changes.map((c) => `${c.path} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`).join(', ');
          events.record('operator', result.recommendation.dependency, `tuning applied by ${actor}: ${what}${reason ? ` (${reason})` : ''}`, 'warning', { actor });
          return { applied: true, id: result.recommendation.id, changes: result.changes };
        }
      }
    },
  );
  if (!live) return;

  app.get(
    '/api/analytics/applied',
    {
      config: { permission: 'analytics:read' },
      schema: {
        tags,
        description: 'Policies changed at run time: each key whose value differs from the configuration file (the file value, the value in force, who, why, when), and every change made since start',
      },
    },
    async () => ({ keys: live.keys, overrides: live.overrides(), history: live.history() }),
  );

  app.post(
    '/api/analytics/applied',
    {
      config: { permission: 'analytics:apply' },
      schema: {
        tags,
        description: 'Set a policy key at run time by hand (checked against the whole configuration; 400 naming the key and the reason, 409 when it has that value already); kept across restarts as an applied recommendation is',
        body: z.strictObject({ key: z.enum(live.keys as [string, ...string[]]), value: z.unknown(), reason: z.string().trim().min(1).max(200), actor: actorField }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body.actor);
      const { key, value, reason } = request.body;
      let change: ConfigChange | undefined;
      try {
        change = live.set(key, value, { actor, reason });
      } catch (error) {
        if (error instanceof ConfigError) return problem(reply, 400, `body.value: ${error.issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
        throw error;
      }
      if (!change) return problem(reply, 409, `${key} is ${JSON.stringify(value)} already`);
      auditDetail(request, { target: key, tags: ['configuration'], before: { key, value: change.from }, after: { key, value: change.to } });
      events.record('operator', 'policies', `policy set live by ${actor}: ${key} ${JSON.stringify(change.from ?? null)} -> ${JSON.stringify(change.to)} (${reason})`, 'warning', { actor });
      return { applied: true, change: { ...change, from: change.from ?? null } };
    },
  );

  app.post(
    '/api/analytics/applied/revert',
    {
      config: { permission: 'analytics:apply' },
      schema: {
        tags,
        description: "Put a policy key changed at run time back to the configuration file's value (409 when it has it already)",
        body: z.strictObject({ key: z.enum(live.keys as [string, ...string[]]), reason: z.string().trim().min(1).max(200).optional(), actor: actorField }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request, request.body.actor);
      const { key, reason } = request.body;
      const change = live.revert(key, { actor, ...(reason ? { reason } : {}) });
      if (!change) return problem(reply, 409, `${key} has the configuration file's value already`);
      auditDetail(request, { target: key, tags: ['configuration'], before: { key, value: change.from }, after: { key, value: change.to } });
      events.record('operator', 'policies', `live change reverted by ${actor}: ${key} ${JSON.stringify(change.from)} -> ${JSON.stringify(change.to ?? null)} (the configuration file's)${reason ? ` (${reason})` : ''}`, 'warning', { actor });
      return { reverted: true, change: { ...change, to: change.to ?? null } };
    },
  );
};
