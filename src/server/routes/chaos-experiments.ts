/**
 * Chaos experiments over the ops API, registered only when `features.chaos` is on: run an
 * experiment (a file's YAML, or a shipped one by name; `dryRun` returns the plan), list runs with
 * their verdict and score, a run's live status (current step, latest probe results, time left)
 * and its whole journal, and abort a running one. The guardrails answer 409 with the reason.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ChaosExperiments, ChaosRunBusyError } from '../../chaos/experiments/chaos-experiments.js';
import { ExperimentFileError, parseExperiment } from '../../chaos/experiments/experiment-file.js';
import type { Experiment } from '../../chaos/experiments/experiment-schema.js';
import { ChaosRefusedError } from '../../chaos/experiments/guardrails.js';
import { predefinedExperiment, predefinedExperimentNames } from '../../chaos/experiments/predefined.js';
import type { LiveEvents } from '../live-events.js';
import { auditDetail } from '../audit-requests.js';
import { messageOf, problem } from './errors.js';

export interface ChaosExperimentRoutesOptions {
  experiments: ChaosExperiments;
  events: LiveEvents;
}

const runBody = z
  .strictObject({
    /** The experiment file's content (YAML or JSON). */
    experiment: z.string().min(1).max(200_000).optional(),
    /** A shipped experiment, e.g. `exchange-maintenance`. */
    name: z.string().min(1).max(100).optional(),
    dryRun: z.boolean().default(false),
  })
  .refine((b) => (b.experiment === undefined) !== (b.name === undefined), { message: 'give exactly one of experiment (the file content) or name (a shipped experiment)' });

/** Why the run is stopped (the dashboard asks for it); kept on the timeline and in the audit log. */
const abortBody = z.strictObject({ reason: z.string().trim().min(1).max(200).optional() }).nullish();

const idParams = z.object({ id: z.string().min(1).max(100) });

export const chaosExperimentRoutes: FastifyPluginAsyncZod<ChaosExperimentRoutesOptions> = async (app, { experiments, events }) => {
  const tags = ['chaos'];

  app.get('/api/chaos/experiments', { config: { permission: 'chaos:read' }, schema: { tags, description: 'The shipped experiments: name, title, hypothesis' } }, async () =>
    predefinedExperimentNames().map((name) => {
      const e = predefinedExperiment(name)!;
      return { name, title: e.title, hypothesis: e.steadyStateHypothesis.title, productionSafe: e.productionSafe, tags: e.tags };
    }),
  );

  app.post(
    '/api/chaos/experiments',
    { config: { permission: 'chaos:run' }, schema: { tags, description: 'Runs an experiment (its YAML, or a shipped one by name); dryRun returns the plan only', body: runBody } },
    async (request, reply) => {
      let experiment: Experiment;
      try {
        if (request.body.name !== undefined) {
          const found = predefinedExperiment(request.body.name);
          if (!found) return problem(reply, 404, `body.name: no shipped experiment "${request.body.name}"`);
          experiment = found;
        } else experiment = parseExperiment(request.body.experiment!, 'body.experiment');
      } catch (error) {
        if (error instanceof ExperimentFileError) return problem(reply, 400, error.message, [{ field: `body.experiment.${error.key}`, reason: error.reason }]);
        throw error;
      }
      const plan = experiments.plan(experiment);
      if (request.body.dryRun) return plan;
      try {
        const { journal } = experiments.start(experiment, request.principal?.name ?? 'operator');
        events.record('fault', experiment.title, `chaos experiment started (run ${journal.id})`, 'warning');
        auditDetail(request, { target: journal.id, after: { run: journal.id, title: experiment.title }, tags: ['resilience-testing'] });
        return reply.code(202).send({ id: journal.id, status: journal.status, plan });
      } catch (error) {
        if (error instanceof ChaosRefusedError || error instanceof ChaosRunBusyError) return problem(reply, 409, error.message);
        if (error instanceof TypeError) return problem(reply, 400, messageOf(error));
        throw error;
      }
    },
  );

  app.get(
    '/api/chaos/runs',
    { config: { permission: 'chaos:read' }, schema: { tags, description: 'Runs, newest first, with verdict and score', querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) } },
    async (request) => experiments.list({ limit: request.query.limit }),
  );

  app.get('/api/chaos/runs/:id', { config: { permission: 'chaos:read' }, schema: { tags, params: idParams, description: 'Live status of a run: current step, latest probe results, time left' } }, async (request, reply) => {
    const status = await experiments.status(request.params.id);
    return status ?? problem(reply, 404, `no chaos run ${request.params.id}`);
  });

  app.get('/api/chaos/runs/:id/journal', { config: { permission: 'chaos:read' }, schema: { tags, params: idParams, description: "A run's whole journal: steps, probe values over time, rollbacks, verdict, score" } }, async (request, reply) => {
    const journal = await experiments.report(request.params.id);
    return journal ?? problem(reply, 404, `no chaos run ${request.params.id}`);
  });

  app.post(
    '/api/chaos/runs/:id/abort',
    { config: { permission: 'chaos:run' }, schema: { tags, params: idParams, body: abortBody, description: 'Aborts a running run: its action is reverted and the rollbacks run' } },
    async (request, reply) => {
      const reason = request.body?.reason;
      if (!experiments.abort(request.params.id)) return problem(reply, 409, `chaos run ${request.params.id} is not running`);
      events.record('operator', 'chaos', `chaos run ${request.params.id} aborted${reason ? `: ${reason}` : ''}`, 'warning');
      auditDetail(request, { target: request.params.id, ...(reason ? { after: { reason } } : {}), tags: ['resilience-testing'] });
      return reply.code(202).send({ id: request.params.id, aborting: true });
    },
  );
};
