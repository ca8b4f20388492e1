/**
 * The chaos section: the shipped experiments, past runs with their verdict and score (and the
 * score over time as a small SVG line), and the running experiment's live status — current step,
 * latest probe results, time left — from GET /api/chaos/runs/:id, with an Abort button that asks
 * for a reason first. Shown only when the server runs chaos experiments (the API answers 404 when
 * `features.chaos` is off) and the signed-in role may read them.
 */
import { getJson, postJson } from './api.js';
import { guarded } from './confirm.js';
import { badge, byId, el, replaceChildren, setText, time } from './dom.js';
import type { ChaosExperimentView, ChaosRunStatusView, ChaosRunSummaryView } from './types.js';

const REFRESH_MS = 5_000; // the run list changes when a run starts or ends: every five seconds shows it in time
const LIVE_MS = 1_000; // a running experiment's probes move each second; its status is followed that often
const RUNS_SHOWN = 20; // the latest runs fit on one screen; the API lists more
const SVG = 'http://www.w3.org/2000/svg';

let experimentsShown = false;
let liveId: string | undefined;
let liveTimer: ReturnType<typeof setInterval> | undefined;

export function renderExperiments(experiments: ChaosExperimentView[]): void {
  replaceChildren(
    byId('chaos-experiments'),
    experiments.length === 0
      ? [el('li', { class: 'muted' }, 'none shipped')]
      : experiments.map((e) => el('li', { 'data-experiment': e.name }, el('strong', {}, e.name), ` — ${e.title}: `, el('span', { class: 'muted' }, e.hypothesis))),
  );
}

export function renderRuns(runs: ChaosRunSummaryView[]): void {
  replaceChildren(
    byId('chaos-runs'),
    runs.length === 0
      ? [el('tr', {}, el('td', { class: 'muted', colspan: '5' }, 'no runs yet'))]
      : runs.map((r) =>
          el(
            'tr',
            { 'data-run': r.id, 'data-status': r.status },
            el('td', {}, time(r.startedAt)),
            el('td', {}, r.title),
            el('td', {}, badge(r.status)),
            el('td', {}, r.score === null ? '–' : String(r.score)),
            el('td', {}, r.reason ?? ''),
          ),
        ),
  );
  renderScoreLine(runs);
}

/** The score of every finished run, oldest first, as a line on a 0-100 scale. */
export function renderScoreLine(runs: ChaosRunSummaryView[]): void {
  const scored = runs.filter((r) => r.score !== null).reverse();
  const box = byId('chaos-score-line');
  if (scored.length < 2) {
    box.replaceChildren(el('span', { class: 'muted' }, scored.length === 0 ? 'no score yet' : `score ${scored[0]!.score}`));
    return;
  }
  const width = 240;
  const height = 48;
  const points = scored.map((r, i) => `${((i / (scored.length - 1)) * width).toFixed(1)},${(height - (r.score! / 100) * height).toFixed(1)}`).join(' ');
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `resilience score over the last ${scored.length} runs`);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#4fc3f7');
  line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  box.replaceChildren(svg, el('span', { class: 'muted' }, ` latest ${scored[scored.length - 1]!.score}`));
}

export function renderLive(status: ChaosRunStatusView | undefined): void {
  const box = byId('chaos-live');
  if (!status) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.dataset.run = status.id;
  box.dataset.status = status.status;
  setText('chaos-live-title', status.title);
  byId('chaos-live-status').replaceChildren(badge(status.status));
  setText('chaos-live-step', status.currentStep ?? '–');
  setText('chaos-live-left', status.status === 'running' ? `${Math.ceil(status.timeLeftMs / 1000)} s` : '–');
  setText('chaos-live-verdict', status.status === 'running' ? '' : `verdict ${status.status}${status.score === null ? '' : `, score ${status.score}`}${status.reason ? ` (${status.reason})` : ''}`);
  byId<HTMLButtonElement>('chaos-abort').hidden = status.status !== 'running';
  replaceChildren(
    byId('chaos-live-probes'),
    status.probes.map((p) =>
      el('tr', { 'data-probe': p.key }, el('td', {}, p.name), el('td', {}, p.phase), el('td', {}, p.error ?? (p.value === null ? '–' : String(p.value))), el('td', {}, badge(p.ok ? 'ok' : 'critical'))),
    ),
  );
}

async function followLive(): Promise<void> {
  if (liveId === undefined) return;
  try {
    const status = await getJson<ChaosRunStatusView>(`api/chaos/runs/${encodeURIComponent(liveId)}`);
    renderLive(status);
    if (status.status !== 'running') stopFollowing();
  } catch {
    // The next tick tries again.
  }
}

function follow(id: string): void {
  if (liveId === id) return;
  liveId = id;
  if (liveTimer) clearInterval(liveTimer);
  liveTimer = setInterval(() => void followLive(), LIVE_MS);
  void followLive();
}

function stopFollowing(): void {
  if (liveTimer) clearInterval(liveTimer);
  liveTimer = undefined;
  // liveId stays: the finished run's verdict stays shown until another run starts.
}

/** Renders the section; shown the first time the API answers for it. */
async function refresh(): Promise<void> {
  try {
    const runs = await getJson<ChaosRunSummaryView[]>(`api/chaos/runs?limit=${RUNS_SHOWN}`);
    renderRuns(runs);
    if (!experimentsShown) {
      renderExperiments(await getJson<ChaosExperimentView[]>('api/chaos/experiments'));
      experimentsShown = true;
    }
    byId('chaos').hidden = false;
    const running = runs.find((r) => r.status === 'running');
    if (running) follow(running.id);
  } catch {
    // Chaos is off (404), not signed in, or a role without chaos:read: the section stays as it is.
  }
}

function report(error: unknown): void {
  setText('chaos-live-verdict', `abort failed: ${error instanceof Error ? error.message : String(error)}`);
}

let started = false;

/** Shows the section and keeps it current; called on each overview that says the server runs experiments (once is enough). */
export function startChaos(): void {
  if (started) return;
  started = true;
  byId('chaos-abort').addEventListener(
    'click',
    guarded(
      'Abort experiment',
      'Stops the running experiment at once: its fault is reverted and its rollbacks run.',
      (reason) => {
        const id = liveId;
        if (id === undefined) return Promise.resolve();
        return postJson(`api/chaos/runs/${encodeURIComponent(id)}/abort`, { reason }).then(() => followLive());
      },
      report,
    ),
  );
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}
