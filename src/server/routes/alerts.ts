/**
 * Alert rules (CRUD), the alerts pending or firing, their history, and the rules exported as a
 * Prometheus rule file.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AlertEngine, AlertState } from '../../observe/alerts/engine.js';
import { type PrometheusRuleGroup, toPrometheusRules } from '../../observe/alerts/export.js';
import { alertRuleSchema, parseAlertRule } from '../../observe/alerts/rule.js';
import { isAnomalyRule } from '../../analytics/anomaly/anomaly-alerts.js';
import type { LiveEvents } from '../live-events.js';
import type { OperatorState } from '../operator-state.js';
import { actorOf } from './actor.js';
import { messageOf, problem } from './errors.js';

export interface AlertRoutesOptions {
  alerts: AlertEngine;
  events: LiveEvents;
  /** Keeps rule changes across restarts, with who made them. */
  operator: OperatorState;
  /** Most rules the API accepts (security.http.maxAlertRules); unlimited when omitted. */
  maxRules?: number;
  /** More groups for rules.yaml: the SLOs' recording rules, which the engine's SLO alerts read. */
  ruleGroups?: () => PrometheusRuleGroup[];
}

const name = z.object({ name: z.string().min(1).max(100) });

/** A rule change: any field but the name, with no defaults, so fields left out keep their value. */
const rulePatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(alertRuleSchema.shape)
        .filter(([key]) => key !== 'name')
        .map(([key, field]) => [key, (field instanceof z.ZodDefault ? field.unwrap() : field).optional()]),
    ) as Record<string, z.ZodOptional<z.ZodType>>,
  )
  .strict();

function stateView(s: AlertState) {
  return { ...s.rule, state: s.state, value: Number.isFinite(s.value) ? s.value : null, series: s.series, activeAt: s.activeAt ?? null, firingAt: s.firingAt ?? null };
}

export const alertRoutes: FastifyPluginAsyncZod<AlertRoutesOptions> = async (app, { alerts, events, operator, maxRules = Infinity, ruleGroups }) => {
  const tags = ['alerts'];
  const view = (s: AlertState) => ({ ...stateView(s), changedBy: operator.ruleChangedBy(s.rule.name) ?? null });
  app.get('/api/alerts', { config: { permission: 'alerts:read' }, schema: { tags, description: 'Alerts pending or firing' } }, async () => alerts.active().map(view));

  app.get('/api/alerts/history', { config: { permission: 'alerts:read' }, schema: { tags, querystring: z.object({ limit: z.coerce.number().int().min(1).max(1_000).default(100), rule: z.string().max(100).optional() }) } }, async (request) =>
    alerts.history.list({ limit: request.query.limit, ...(request.query.rule ? { rule: request.query.rule } : {}) }),
  );

  app.get('/api/alerts/rules', { config: { permission: 'alerts:read' }, schema: { tags, description: 'Every rule with its current state' } }, async () => alerts.list().map(view));

  app.get('/api/alerts/rules.yaml', { config: { permission: 'alerts:read' }, schema: { tags, description: 'The rules as a Prometheus rule file' } }, async (_request, reply) =>
    reply.header('content-type', 'application/yaml; charset=utf-8').send(toPrometheusRules(alerts.list().map((s) => s.rule).filter((r) => !isAnomalyRule(r)), 'bulwark', ruleGroups?.() ?? [])),
  );

  app.get('/api/alerts/rules/:name', { config: { permission: 'alerts:read' }, schema: { tags, params: name } }, async (request, reply) => {
    const state = alerts.get(request.params.name);
    return state ? view(state) : problem(reply, 404, `no alert rule named "${request.params.name}"`);
  });

  app.post('/api/alerts/rules', { config: { permission: 'alerts:write' }, schema: { tags, body: alertRuleSchema, description: 'Adds a rule: name, metric, condition, threshold, severity, description, ...' } }, async (request, reply) => {
    if (alerts.get(request.body.name)) return problem(reply, 409, `alert rule "${request.body.name}" already exists`);
    // A cap on what a caller can pile up: every rule is evaluated each tick and sent to every dashboard.
    if (alerts.list().length >= maxRules) return problem(reply, 409, `alert rules are capped at ${maxRules} (security.http.maxAlertRules); delete one first`);
    const actor = actorOf(request);
    const rule = alerts.add(request.body);
    await operator.ruleSet(rule, actor);
    events.record('operator', rule.name, `alert rule added by ${actor}`, 'info', { actor });
    return reply.code(201).send(view(alerts.get(rule.name)!));
  });

  app.put(
    '/api/alerts/rules/:name',
    { config: { permission: 'alerts:write' }, schema: { tags, params: name, body: rulePatchSchema, description: 'Changes a rule; fields left out keep their value' } },
    async (request, reply) => {
      const current = alerts.get(request.params.name);
      if (!current) return problem(reply, 404, `no alert rule named "${request.params.name}"`);
      const sent = Object.fromEntries(Object.entries(request.body).filter(([, value]) => value !== undefined));
      try {
        parseAlertRule({ ...current.rule, ...sent, name: request.params.name });
      } catch (error) {
        return problem(reply, 400, messageOf(error));
      }
      const actor = actorOf(request);
      const rule = alerts.update(request.params.name, sent);
      await operator.ruleSet(rule, actor);
      events.record('operator', rule.name, `alert rule changed by ${actor}`, 'info', { actor });
      return view(alerts.get(rule.name)!);
    },
  );

  app.delete('/api/alerts/rules/:name', { config: { permission: 'alerts:write' }, schema: { tags, params: name } }, async (request, reply) => {
    if (!alerts.remove(request.params.name)) return problem(reply, 404, `no alert rule named "${request.params.name}"`);
    const actor = actorOf(request);
    await operator.ruleRemoved(request.params.name, actor);
    events.record('operator', request.params.name, `alert rule deleted by ${actor}`, 'info', { actor });
    return reply.code(204).send();
  });
};
