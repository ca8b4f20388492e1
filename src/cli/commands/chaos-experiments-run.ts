/** What `bulwark chaos run | list | report` runs (see chaos-experiments.ts); loaded only when one of them runs. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { systemClock } from '../../core/clock.js';
import { defaultActivityRegistry } from '../../chaos/experiments/default-registry.js';
import { parseExperiment } from '../../chaos/experiments/experiment-file.js';
import type { Experiment } from '../../chaos/experiments/experiment-schema.js';
import { planExperiment } from '../../chaos/experiments/plan.js';
import { predefinedExperiment, predefinedExperimentNames } from '../../chaos/experiments/predefined.js';
import type { RunJournal } from '../../chaos/experiments/run-journal.js';
import { type ChaosRunStore, chaosRunStore } from '../../chaos/experiments/run-store.js';
import type { RunStatusView } from '../../chaos/experiments/chaos-experiments.js';
import { describeTolerance } from '../../chaos/experiments/tolerance.js';
import { renderRunReport } from '../../chaos/experiments/html-report.js';
import { postgresStorage } from '../../storage/postgres.js';
import { sqliteStorage } from '../../storage/sqlite.js';
import type { Storage } from '../../storage/types.js';
import { locateData } from '../data-location.js';
import { table } from './colors.js';
import { CHAOS_EXPERIMENT_COMMAND_DEFAULTS, type ChaosExperimentDeps, type RunFlags, type StoreFlags } from './chaos-experiments.js';

const out = (deps: ChaosExperimentDeps) => deps.stdout ?? process.stdout;
const exit = (deps: ChaosExperimentDeps, code: number): void => (deps.setExitCode ?? ((c) => (process.exitCode = c)))(code);

/** A file when one exists at that path, else a shipped experiment by name. */
function loadExperiment(target: string): { experiment: Experiment; text?: string; name?: string } {
  if (existsSync(target)) {
    const text = readFileSync(target, 'utf8');
    return { experiment: parseExperiment(text, target), text };
  }
  const shipped = predefinedExperiment(target);
  if (!shipped) throw new Error(`${target}: no such file, and no shipped experiment of that name (shipped: ${predefinedExperimentNames().join(', ')})`);
  return { experiment: shipped, name: target };
}

export async function runChaosRun(target: string, flags: RunFlags, deps: ChaosExperimentDeps = {}): Promise<void> {
  const stdout = out(deps);
  const { experiment, text, name } = loadExperiment(target);
  if (flags.dryRun) {
    const plan = planExperiment(experiment, defaultActivityRegistry());
    if (flags.json) stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else {
      stdout.write(`${plan.title} (${plan.productionSafe ? 'production-safe' : 'not production-safe'}, method ${plan.durationMs} ms)\n`);
      plan.steps.forEach((step, i) => stdout.write(`  ${i + 1}. ${step}\n`));
      for (const problem of plan.problems) stdout.write(`  problem: ${problem}\n`);
    }
    exit(deps, plan.problems.length > 0 ? 1 : 0);
    return;
  }
  const env = deps.env ?? process.env;
  const base = (flags.url ?? CHAOS_EXPERIMENT_COMMAND_DEFAULTS.url).replace(/\/$/, '');
  const doFetch = deps.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(env.BULWARK_TOKEN ? { authorization: `Bearer ${env.BULWARK_TOKEN}` } : {}) };
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await doFetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const payload = (await response.json().catch(() => ({}))) as T & { detail?: string };
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${payload.detail ?? 'no detail'}`);
    return payload;
  };
  const { id } = await call<{ id: string }>('POST', '/api/chaos/experiments', name !== undefined ? { name } : { experiment: text });
  if (!flags.json) stdout.write(`run ${id} started: ${experiment.title}\n`);
  const clock = deps.clock ?? systemClock;
  let status: RunStatusView;
  let last = '';
  for (;;) {
    status = await call<RunStatusView>('GET', `/api/chaos/runs/${id}`);
    if (status.status !== 'running') break;
    const line = `${status.currentStep ?? '-'} (${Math.ceil(status.timeLeftMs / 1000)} s left)`;
    if (!flags.json && line !== last) stdout.write(`  ${line}\n`);
    last = line;
    await clock.sleep(CHAOS_EXPERIMENT_COMMAND_DEFAULTS.pollMs);
  }
  if (flags.json) stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else stdout.write(`${status.status}${status.reason ? ` (${status.reason})` : ''}, score ${status.score ?? '-'}\n`);
  exit(deps, status.status === 'passed' ? 0 : 1);
}

async function openStore(flags: StoreFlags): Promise<{ store: ChaosRunStore; storage: Storage }> {
  const location = await locateData({ ...(flags.config !== undefined ? { config: flags.config } : {}), ...(flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}) });
  const target = location.storage;
  if (target.kind === 'sqlite' && !existsSync(target.path)) throw new Error(`no database at ${target.path}; start the service first (bulwark start), or give --data-dir or --config`);
  const storage = target.kind === 'postgres' ? await postgresStorage({ connectionString: target.url, ...(target.schema ? { schema: target.schema } : {}), min: 0, max: 2 }) : await sqliteStorage({ path: target.path });
  return { storage, store: await chaosRunStore(storage) };
}

const iso = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString());

export async function runChaosList(flags: StoreFlags, deps: ChaosExperimentDeps = {}): Promise<void> {
  const { store, storage } = await openStore(flags);
  try {
    const runs = await store.list(flags.limit !== undefined ? { limit: flags.limit } : {});
    if (flags.json) out(deps).write(`${JSON.stringify(runs, null, 2)}\n`);
    else {
      const rows = [['ID', 'STARTED', 'TITLE', 'VERDICT', 'SCORE', 'REASON']];
      for (const r of runs) rows.push([r.id, iso(r.startedAt), r.title, r.status, r.score === null ? '-' : String(r.score), r.reason ?? '-']);
      out(deps).write(`${table(rows)}\n`);
    }
  } finally {
    await storage.close();
  }
}

export function reportText(journal: RunJournal): string {
  const lines = [`${journal.title}: ${journal.status}${journal.reason ? ` (${journal.reason})` : ''}, score ${journal.score ?? '-'}`, `run ${journal.id} by ${journal.actor}, ${iso(journal.startedAt)} to ${iso(journal.endedAt)}`];
  lines.push(`hypothesis: ${journal.experiment.steadyStateHypothesis.title}`);
  lines.push('steps:');
  for (const s of journal.steps) lines.push(`  ${s.name}: ${s.status} ${iso(s.startedAt)} to ${iso(s.endedAt)}${s.error ? ` (${s.error})` : ''}`);
  lines.push('probes (counted):');
  const tolerances = new Map<string, string>();
  for (const p of journal.experiment.steadyStateHypothesis.probes) tolerances.set(`hypothesis/${p.name}`, describeTolerance(p.tolerance));
  journal.experiment.method.forEach((s, i) => s.probes.forEach((p) => tolerances.set(`method/${i}/${p.name}`, describeTolerance(p.tolerance))));
  for (const p of journal.probes.filter((r) => r.counted)) {
    lines.push(`  ${iso(p.at)} ${p.phase.padEnd(15)} ${p.name}: ${p.error ?? String(p.value)} ${p.ok ? 'ok' : 'FAILED'}${tolerances.has(p.key) ? ` (wanted ${tolerances.get(p.key)})` : ''}`);
  }
  lines.push('rollbacks:');
  for (const r of journal.rollbacks) lines.push(`  ${r.name}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
  return `${lines.join('\n')}\n`;
}

export async function runChaosReport(id: string, flags: StoreFlags, deps: ChaosExperimentDeps = {}): Promise<void> {
  const { store, storage } = await openStore(flags);
  try {
    const journal = await store.get(id);
    if (!journal) {
      (deps.stderr ?? process.stderr).write(`bulwark chaos report: no run ${id}\n`);
      exit(deps, 1);
      return;
    }
    if (flags.html !== undefined && flags.html !== false) {
      const file = typeof flags.html === 'string' ? flags.html : `chaos-report-${id}.html`;
      writeFileSync(file, renderRunReport(journal));
      out(deps).write(flags.json ? `${JSON.stringify({ id, html: basename(file) })}\n` : `report written: ${basename(file)}\n`);
      return;
    }
    out(deps).write(flags.json ? `${JSON.stringify(journal, null, 2)}\n` : reportText(journal));
  } finally {
    await storage.close();
  }
}
