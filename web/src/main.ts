/**
 * The dashboard: renders the overview once, then follows /api/events (Server-Sent Events):
 * `snapshot` re-renders every section, `timeline` adds an entry. Controls call the API and the
 * next snapshot shows the result.
 */
import { getJson, postJson } from './api.js';
import { guarded } from './confirm.js';
import { byId, setBadge } from './dom.js';
import { startFleet } from './fleet.js';
import { startSession } from './session.js';
import { startSecurity } from './security.js';
import { startChaos } from './chaos.js';
import { startFailover } from './failover.js';
import { startAnalytics } from './analytics.js';
import { addTimeline, renderDeadLetterCounts, renderDeadLetters, renderLimits, renderOrders, renderOverview, renderRules, renderTiles } from './render.js';
import type { AlertRuleView, DeadLetter, Overview, TimelineEntry } from './types.js';

let lastDlq = '';

function render(o: Overview): void {
  renderOverview(o);
  renderTiles(o);
  renderLimits(o);
  renderOrders(o);
  renderDeadLetterCounts(o);
  if (o.fleet) startFleet(report);
  if (o.chaos.experiments) startChaos();
  if (o.failover.groups > 0) startFailover(report);
  if (o.analytics?.enabled) startAnalytics();
  const dlqKey = o.deadLetters ? `${o.deadLetters.pending}/${o.deadLetters.replayed}` : '';
  if (dlqKey !== lastDlq) {
    lastDlq = dlqKey;
    void refreshDeadLetters();
  }
  document.body.dataset.updatedAt = String(o.at);
}

async function refreshDeadLetters(): Promise<void> {
  try {
    const page = await getJson<{ items: DeadLetter[] }>('api/dead-letters?limit=20');
    renderDeadLetters(page.items);
  } catch {
    // The section stays as it was; the next change tries again.
  }
}

async function refreshRules(): Promise<void> {
  try {
    renderRules(await getJson<AlertRuleView[]>('api/alerts/rules'));
  } catch {
    // Alerting may not be configured.
  }
}

function connect(): void {
  const source = new EventSource('api/events');
  source.addEventListener('open', () => setBadge('connection', 'live'));
  source.addEventListener('error', () => setBadge('connection', 'offline'));
  source.addEventListener('snapshot', (event) => render(JSON.parse((event as MessageEvent<string>).data) as Overview));
  source.addEventListener('timeline', (event) => addTimeline(JSON.parse((event as MessageEvent<string>).data) as TimelineEntry));
}

function report(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  addTimeline({ id: -Date.now(), at: Date.now(), kind: 'dashboard', subject: 'action failed', message, severity: 'warning' });
}

function wireControls(): void {
  byId('tiles').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const { action, name } = button.dataset;
    if (!action || !name) return;
    const post = (reason?: string) => postJson(`api/breakers/${encodeURIComponent(name)}/${action}`, reason === undefined ? {} : { reason });
    // Reset and isolate change how calls flow: asked for with a reason. Release only undoes an isolation.
    if (action === 'reset') guarded(`Reset ${name}`, 'Closes the breaker and clears its window: calls flow again at once.', post, report)();
    else if (action === 'isolate') guarded(`Isolate ${name}`, 'Holds the breaker open: every call through it is refused until released.', post, report)();
    else post().catch(report);
  });
  byId('gate-halt').addEventListener('click', guarded('Halt trading', 'Kill switch: no new orders until resumed, across restarts.', (reason) => postJson('api/gate/halt', { reason }), report));
  byId('gate-resume').addEventListener('click', guarded('Resume trading', 'Trading resumes unless a condition still holds the gate.', (reason) => postJson('api/gate/resume', { reason }), report));
  byId('dlq-replay').addEventListener(
    'click',
    guarded(
      'Replay dead letters',
      'Sends every pending letter again.',
      (reason) =>
        postJson<{ replayed: string[]; failed: unknown[]; total: number }>('api/dead-letters/replay', { reason }).then((r) => {
          byId('dlq-result').textContent = `replayed ${r.replayed.length} of ${r.total}, ${r.failed.length} failed`;
          void refreshDeadLetters();
        }),
      report,
    ),
  );
  byId('dlq-purge').addEventListener(
    'click',
    guarded(
      'Purge replayed letters',
      'Deletes every replayed letter for good.',
      (reason) =>
        postJson<{ purged: number }>('api/dead-letters/purge', { status: 'replayed', reason }).then((r) => {
          byId('dlq-result').textContent = `purged ${r.purged}`;
          void refreshDeadLetters();
        }),
      report,
    ),
  );
}

async function main(): Promise<void> {
  startSession();
  wireControls();
  try {
    render(await getJson<Overview>('api/overview'));
  } catch (error) {
    report(error);
  }
  void refreshRules();
  setInterval(() => void refreshRules(), 5_000);
  startSecurity();
  connect();
}

void main();
