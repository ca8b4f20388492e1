/**
 * The tuning part of the analytics section: each recommended change with its replay and an Apply
 * button, the other rules' verdicts on a line (GET /api/analytics/recommendations); and "Changed
 * live", each policy whose value in force differs from the configuration file's, with both values,
 * who, why and when, and a Revert button (GET /api/analytics/applied; hidden when the service has no
 * live policies), with a form to set one of the live keys by hand (POST /api/analytics/applied: an
 * operator raising a timeout during an incident). Apply, Revert and Set ask for a reason first
 * (confirm.ts) and are hidden for a role without `analytics:apply`. The outcome shows under the advice: applied, reverted, or the server's
 * refusal, with the configuration diff to restart with when a change cannot apply live.
 */
import { ApiError, getJson, postJson } from './api.js';
import { guarded } from './confirm.js';
import { byId, el, fixed, morphChildren } from './dom.js';
import type { AdviceView, ApplyResultView, AppliedView, ConfigChangeView, LiveOverrideView, RecommendationView } from './types.js';

const ADVICE_REFRESH_MS = 60_000; // each answer replays the recording through two settings per rule: once a minute is plenty
const APPLY = 'analytics:apply';

let canApply = false;
/** The recommendations shown, by id: what a confirmation describes. */
let shown = new Map<string, RecommendationView>();

const figures = (r: { failed: number; calls: number; p99Ms: number; dependencyRequestsDuringOutages: number }): string =>
  `${r.failed} of ${r.calls} failed, p99 ${Number.isFinite(r.p99Ms) ? `${fixed(r.p99Ms, 0)} ms` : '–'}, ${r.dependencyRequestsDuringOutages} requests during outages`;
const valueText = (v: unknown): string => (v === undefined || v === null || v === false ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const changeText = (r: RecommendationView): string => r.changes.map((c) => `${c.key ?? c.option}: ${valueText(c.from)} → ${valueText(c.to)}`).join('; ');

function button(label: string, data: Record<string, string>): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'danger', ...Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v])) }, label);
  b.hidden = !canApply;
  return b;
}

function adviceRow(r: RecommendationView): HTMLTableRowElement {
  const change = changeText(r);
  return el(
    'tr',
    { 'data-advice': r.id, 'data-status': r.status },
    el('td', {}, r.dependency, el('div', { class: 'muted' }, r.rule)),
    el('td', {}, r.summary, change ? el('div', { class: 'muted' }, change) : ''),
    el('td', { class: 'replay-current' }, r.replay ? figures(r.replay.current) : '–'),
    el('td', { class: 'replay-proposed' }, r.replay ? figures(r.replay.proposed) : '–'),
    el('td', { class: 'controls-cell' }, button('Apply', { action: 'apply', id: r.id })),
  );
}

/** Recommended changes first, each with the replay that showed it better; the rest named on one line. */
export function renderAdvice(advice: AdviceView): void {
  const recommended = advice.recommendations.filter((r) => r.status === 'recommended');
  shown = new Map(recommended.map((r) => [r.id, r]));
  morphChildren(byId('analytics-advice'), recommended.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '5' }, 'no change the replay shows better'))] : recommended.map(adviceRow));
  const rest = advice.recommendations.filter((r) => r.status !== 'recommended').map((r) => `${r.rule} of ${r.dependency}: ${r.status}`);
  byId('analytics-advice-rest').textContent = rest.length === 0 ? '' : `Also judged: ${rest.join(', ')}.`;
}

function appliedRow(o: LiveOverrideView): HTMLTableRowElement {
  return el(
    'tr',
    { 'data-key': o.key },
    el('td', { class: 'key' }, el('code', {}, o.key)),
    el('td', { class: 'file' }, o.file === undefined || o.file === null ? 'not set' : valueText(o.file)),
    el('td', { class: 'value' }, valueText(o.value)),
    el('td', { class: 'actor' }, o.actor),
    el('td', { class: 'reason' }, o.reason ?? ''),
    el('td', { class: 'at' }, new Date(o.at).toLocaleString()),
    el('td', { class: 'controls-cell' }, button('Revert', { action: 'revert', key: o.key })),
  );
}

/** The policies changed live, and which keys can be. */
export function renderApplied(applied: AppliedView): void {
  morphChildren(
    byId('analytics-applied'),
    applied.overrides.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '7' }, "no policy changed live: the configuration file's values are in force"))] : applied.overrides.map(appliedRow),
  );
  byId('analytics-applied-keys').textContent = `These keys change without a restart: ${applied.keys.join(', ')}. ${applied.history.length} change${applied.history.length === 1 ? '' : 's'} since start.`;
  const select = byId('analytics-set-key') as HTMLSelectElement;
  // Options only when the keys change (a refresh must not reset what the operator picked).
  if ([...select.options].map((o) => o.value).join() !== applied.keys.join()) select.replaceChildren(...applied.keys.map((k) => el('option', { value: k }, k)));
  byId('analytics-set').hidden = !canApply;
}

/** The value typed: JSON (a number, an object), refused with what was expected. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`the value must be a number (3000) or JSON ({"kind":"count","size":100}), got ${text}`);
  }
}

function setByHand(): void {
  const key = (byId('analytics-set-key') as HTMLSelectElement).value;
  const text = (byId('analytics-set-value') as HTMLInputElement).value.trim();
  let value: unknown;
  try {
    value = parseValue(text);
  } catch (error) {
    showOutcome('refused', `Not set: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  guarded(
    `Set ${key}`,
    `Sets ${key} to ${text} on every exchange account at once, kept across restarts until reverted (checked against the whole configuration first).`,
    (reason) =>
      postJson<{ applied: true; change: ConfigChangeView }>('api/analytics/applied', { key, value, reason })
        .then(({ change }) => showOutcome('applied', `Set ${changesText([change])}. In force on every exchange account now; Revert under "Changed live" undoes it.`))
        .finally(() => refreshTuning(true)),
    refusal('Not set'),
  )();
}

/** What the last Apply or Revert did: its outcome, and the diff to restart with when the change cannot apply live. */
function showOutcome(kind: 'applied' | 'reverted' | 'refused' | 'restart-needed' | 'failed', text: string, diff?: string): void {
  const node = byId('analytics-tuning-outcome');
  node.dataset.outcome = kind;
  const parts: Node[] = [el('p', { class: 'outcome-text' }, text)];
  if (diff !== undefined) {
    const pre = el('pre', { class: 'diff', id: 'analytics-tuning-diff' }, diff);
    const copy = el('button', { type: 'button', id: 'analytics-tuning-copy' }, 'Copy diff');
    copy.addEventListener('click', () => {
      navigator.clipboard.writeText(diff).then(
        () => (copy.textContent = 'Copied'),
        // No clipboard (an insecure origin): the diff is selected for a manual copy instead.
        () => getSelection()?.selectAllChildren(pre),
      );
    });
    parts.push(pre, copy);
  }
  node.replaceChildren(...parts);
  node.hidden = false;
}

const changesText = (changes: ConfigChangeView[]): string => changes.map((c) => `${c.path} ${valueText(c.from)} → ${valueText(c.to)}`).join(', ');

function showApplied(result: ApplyResultView): void {
  const by = result.changes[0]?.actor;
  showOutcome('applied', `Applied ${result.id}${by ? ` by ${by}` : ''}: ${changesText(result.changes)}. In force on every exchange account now; Revert under "Changed live" undoes it.`);
}

/** The server's refusal (a 409's detail, and its diff when a restart is needed), or why the call failed. */
const refusal =
  (what: string) =>
  (error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof ApiError)) return showOutcome('failed', `${what}: ${message}`);
    const diff = typeof error.problem.diff === 'string' ? error.problem.diff : undefined;
    showOutcome(diff === undefined ? 'refused' : 'restart-needed', `${what}: ${message}`, diff);
  };

// A newer request wins: an answer that arrives after a later one (an apply's refresh overtaking the
// periodic one) is dropped, not drawn over it.
let adviceAt = 0;
let adviceAsked = 0;
let appliedAsked = 0;

async function refreshAdvice(force: boolean): Promise<void> {
  if (!force && Date.now() - adviceAt < ADVICE_REFRESH_MS) return;
  adviceAt = Date.now();
  const asked = ++adviceAsked;
  try {
    const advice = await getJson<AdviceView>('api/analytics/recommendations');
    if (asked !== adviceAsked) return;
    renderAdvice(advice);
    byId('analytics-advice-block').hidden = false;
  } catch {
    // No advisor in this service, or a role without analytics:read: the block stays hidden.
  }
}

async function refreshApplied(): Promise<void> {
  const asked = ++appliedAsked;
  try {
    const applied = await getJson<AppliedView>('api/analytics/applied');
    if (asked !== appliedAsked) return;
    renderApplied(applied);
    byId('analytics-applied-block').hidden = false;
  } catch (error) {
    // No live policies in this service (404), or a role that may not read them: no table.
    if (asked === appliedAsked && error instanceof ApiError && (error.status === 404 || error.status === 403)) byId('analytics-applied-block').hidden = true;
  }
}

/** The section's refresh: the changes in force each time, the advice once a minute (or now, after a change). */
export function refreshTuning(force = false): Promise<void> {
  return Promise.all([refreshAdvice(force), refreshApplied()]).then(() => undefined);
}

async function session(): Promise<void> {
  // Not through getJson: "not signed in" here only means no controls.
  const response = await fetch('api/session', { credentials: 'same-origin' }).catch(() => undefined);
  const body = response?.ok ? ((await response.json()) as { permissions?: string[] }) : undefined;
  canApply = body?.permissions?.includes(APPLY) ?? false;
  byId('analytics').dataset.apply = String(canApply);
}

function apply(id: string): void {
  const r = shown.get(id);
  const what = r ? changeText(r) : id;
  guarded(
    `Apply ${r ? `${r.rule} of ${r.dependency}` : id}`,
    `Sets ${what} on every exchange account at once, kept across restarts until reverted. A change without a runtime update is refused with the configuration diff to restart with.`,
    (reason) => postJson<ApplyResultView>(`api/analytics/recommendations/${encodeURIComponent(id)}/apply`, { reason }).then(showApplied).finally(() => refreshTuning(true)),
    refusal('Not applied'),
  )();
}

function revert(key: string, row: HTMLElement | null): void {
  const file = row?.querySelector('.file')?.textContent ?? "the configuration file's value";
  guarded(
    `Revert ${key}`,
    `${key} goes back to the configuration file's value (${file}) on every exchange account at once; the kept change is dropped.`,
    (reason) =>
      postJson<{ reverted: true; change: ConfigChangeView }>('api/analytics/applied/revert', { key, reason })
        .then(({ change }) => showOutcome('reverted', `Reverted ${changesText([change])} (the configuration file's value).`))
        .finally(() => refreshTuning(true)),
    refusal('Not reverted'),
  )();
}

/** Wires Apply and Revert and learns whether the role may use them; then the first refresh. */
export async function startTuning(): Promise<void> {
  byId('analytics').addEventListener('click', (event) => {
    const target = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!target) return;
    const { action, id, key } = target.dataset;
    if (action === 'apply' && id) apply(id);
    else if (action === 'revert' && key) revert(key, target.closest('tr'));
  });
  byId('analytics-set').addEventListener('submit', (event) => {
    event.preventDefault();
    setByHand();
  });
  await session();
}
