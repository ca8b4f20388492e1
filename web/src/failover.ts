/**
 * The failover section: per group its routing mode, active priority and what an operator set by
 * hand; its endpoints with state, latency, share of traffic, weight factor and ejections; and its
 * history, newest first, with reason and actor. Drain, undrain, pin, force a priority and back to
 * automatic each ask for a reason first (confirm.ts); they are hidden for a role without
 * `failover:operate`. Shown only when the overview says the server routes failover groups.
 */
import { getJson, postJson } from './api.js';
import { guarded } from './confirm.js';
import { badge, byId, el, fixed, morphChildren, time } from './dom.js';
import type { FailoverChangeView, FailoverEndpointView, FailoverGroupView } from './types.js';

const REFRESH_MS = 1_000; // an ejection or a failover changes routing within a second; the section follows that closely
const HISTORY_SHOWN = 20; // the latest changes of a group fit under its table; the API serves more
const OPERATE = 'failover:operate';

let canOperate = false;

const path = (group: string): string => `api/failover/${encodeURIComponent(group)}`;

function manualText(g: FailoverGroupView): string {
  const m = g.manual;
  const parts = [...(m.drained.length > 0 ? [`drained ${m.drained.join(', ')}`] : []), ...(m.pinned !== undefined ? [`pinned to ${m.pinned}`] : []), ...(m.forcedPriority !== undefined ? [`priority ${m.forcedPriority} forced`] : [])];
  if (parts.length === 0) return 'nothing set by hand';
  return `${parts.join('; ')}${g.manualBy ? ` (by ${g.manualBy.actor}${g.manualBy.reason ? `: ${g.manualBy.reason}` : ''})` : ''}`;
}

function button(label: string, data: Record<string, string>, danger = false): HTMLButtonElement {
  const attrs: Record<string, string> = { type: 'button', ...Object.fromEntries(Object.entries(data).map(([k, v]) => [`data-${k}`, v])) };
  if (danger) attrs.class = 'danger';
  const b = el('button', attrs, label);
  b.hidden = !canOperate;
  return b;
}

function endpointRow(g: FailoverGroupView, e: FailoverEndpointView): HTMLTableRowElement {
  const drained = g.manual.drained.includes(e.name);
  return el(
    'tr',
    { 'data-endpoint': e.name, 'data-state': e.state },
    el('td', {}, e.name, g.manual.pinned === e.name ? el('span', { class: 'badge badge-info', title: 'every call goes here' }, 'pinned') : null),
    el('td', {}, String(e.priority)),
    el('td', { class: 'state' }, badge(e.state)),
    el('td', { class: 'latency' }, e.latencyMs === undefined ? '–' : `${fixed(e.latencyMs, 0)} ms`),
    el('td', { class: 'share' }, `${Math.round(e.share * 100)}%`),
    el('td', { class: 'weight' }, fixed(e.weightFactor, 2)),
    el('td', { class: 'ejections' }, String(e.ejections)),
    el('td', {}, String(e.inFlight)),
    el(
      'td',
      { class: 'controls-cell' },
      drained ? button('Undrain', { action: 'undrain', group: g.name, endpoint: e.name }) : g.manual.pinned === e.name ? null : button('Drain', { action: 'drain', group: g.name, endpoint: e.name }, true),
      // A drained endpoint is undrained before it can be pinned; a pinned one is already.
      drained || g.manual.pinned === e.name ? null : button('Pin', { action: 'pin', group: g.name, endpoint: e.name }),
    ),
  );
}

function changeText(c: FailoverChangeView): string {
  if (c.kind === 'endpoint') return `${c.endpoint ?? ''}: ${c.from} → ${c.to}`;
  return `routing ${c.from} → ${c.to}, priority ${c.activePriority ?? '–'}`;
}

function historyRow(c: FailoverChangeView): HTMLTableRowElement {
  return el(
    'tr',
    { 'data-kind': c.kind, 'data-reason': c.reason, ...(c.endpoint ? { 'data-endpoint': c.endpoint } : {}), 'data-to': c.to },
    el('td', {}, time(c.at)),
    el('td', { class: 'change' }, changeText(c)),
    el('td', { class: 'reason' }, c.detail ? `${c.reason}: ${c.detail}` : c.reason),
    el('td', { class: 'actor' }, c.actor ?? 'automatic'),
  );
}

function groupView(g: FailoverGroupView): HTMLElement {
  const levels = [...new Set(g.endpoints.map((e) => e.priority))].sort((a, b) => a - b);
  const manualRouting = g.manual.pinned !== undefined || g.manual.forcedPriority !== undefined;
  return el(
    'article',
    { class: 'failover-group', 'data-group': g.name, 'data-mode': g.mode, 'data-active-priority': String(g.activePriority) },
    el(
      'div',
      { class: 'row' },
      el('strong', {}, g.name),
      el('span', { class: 'mode' }, badge(g.mode)),
      el('span', {}, 'Active priority: ', el('strong', { class: 'active-priority' }, String(g.activePriority))),
      el('span', { class: 'muted' }, `strategy ${g.strategy}, ${Math.round(g.routableShare * 100)}% routable`),
      el('span', { class: 'manual muted' }, manualText(g)),
      manualRouting ? button('Automatic', { action: 'automatic', group: g.name }) : null,
      ...(levels.length > 1 ? levels.filter((p) => p !== g.manual.forcedPriority).map((p) => button(`Force priority ${p}`, { action: 'priority', group: g.name, priority: String(p) })) : []),
    ),
    el(
      'table',
      { class: 'failover-endpoints' },
      el('thead', {}, el('tr', {}, ...['Endpoint', 'Priority', 'State', 'Latency', 'Share', 'Weight factor', 'Ejections', 'In flight', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...g.endpoints.map((e) => endpointRow(g, e))),
    ),
    el('h3', {}, 'History'),
    el(
      'table',
      { class: 'failover-history' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Time'), el('th', {}, 'Change'), el('th', {}, 'Reason'), el('th', {}, 'Actor'))),
      el('tbody', {}, ...(g.history.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '4' }, 'no changes yet'))] : g.history.map(historyRow))),
    ),
  );
}

export function renderFailover(groups: FailoverGroupView[]): void {
  morphChildren(byId('failover-groups'), groups.map(groupView));
}

async function refresh(): Promise<void> {
  try {
    renderFailover(await getJson<FailoverGroupView[]>(`api/failover?history=${HISTORY_SHOWN}`));
    byId('failover').hidden = false;
  } catch {
    // Not signed in, or a role without failover:read: the section stays as it is.
  }
}

/** What each control does, in the confirmation. */
function describe(action: string, group: string, endpoint: string | undefined, priority: string | undefined): [string, string] {
  switch (action) {
    case 'drain':
      return [`Drain ${endpoint}`, `No new calls go to ${endpoint} in ${group}; calls in flight finish. Kept across restarts until undrained.`];
    case 'undrain':
      return [`Undrain ${endpoint}`, `${endpoint} takes calls in ${group} again, its share ramping up.`];
    case 'pin':
      return [`Pin ${endpoint}`, `Every call of ${group} goes to ${endpoint}, whatever its health, until routing is automatic again.`];
    case 'priority':
      return [`Force priority ${priority}`, `Every call of ${group} goes to priority ${priority}'s endpoints until routing is automatic again.`];
    default:
      return ['Automatic routing', `${group} routes by its strategy and health again (drained endpoints stay drained).`];
  }
}

async function session(): Promise<void> {
  // Not through getJson: "not signed in" here only means no controls.
  const response = await fetch('api/session', { credentials: 'same-origin' }).catch(() => undefined);
  const body = response?.ok ? ((await response.json()) as { permissions?: string[] }) : undefined;
  canOperate = body?.permissions?.includes(OPERATE) ?? false;
  byId('failover').dataset.operate = String(canOperate);
}

let started = false;

/** Shows the section and keeps it current; called on each overview that says there are failover groups (once is enough). */
export function startFailover(report: (error: unknown) => void): void {
  if (started) return;
  started = true;
  byId('failover-groups').addEventListener('click', (event) => {
    const target = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!target) return;
    const { action, group, endpoint, priority } = target.dataset;
    if (!action || !group) return;
    const [title, detail] = describe(action, group, endpoint, priority);
    const url = endpoint !== undefined ? `${path(group)}/endpoints/${encodeURIComponent(endpoint)}/${action}` : `${path(group)}/${action}`;
    guarded(title, detail, (reason) => postJson(url, action === 'priority' ? { priority: Number(priority), reason } : { reason }).then(refresh), report)();
  });
  void session().then(refresh);
  setInterval(() => void refresh(), REFRESH_MS);
}
