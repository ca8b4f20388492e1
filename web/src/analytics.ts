/**
 * The analytics section: each SLO with its SLI, error budget left (as a bar) and the burn rate of
 * its alert windows, firing alerts marked; and the incidents of the last day, newest first, with
 * MTTR, MTBF and downtime per dependency (GET /api/analytics/slos and /api/analytics/incidents);
 * and the tuning advice with Apply, and the policies changed live with Revert (tuning.ts).
 * Shown only when the overview says the server runs the analytics and the role may read them.
 */
import { formatDuration } from '../../src/core/duration-text.js';
import { getJson } from './api.js';
import { badge, byId, el, fixed, morphChildren, replaceChildren, time } from './dom.js';
import { refreshTuning, startTuning } from './tuning.js';
import type { IncidentListView, IncidentView, ReliabilityView, SloStatusView } from './types.js';

const REFRESH_MS = 5_000; // the recording is written every 10 s; every five seconds shows a change within one write
const RANGE_MS = 86_400_000; // the last day: the shift an operator looks back on
const INCIDENTS_SHOWN = 50; // a bad day's incidents on one screen; the API lists more

const duration = (ms: number | null): string => formatDuration(ms, '–');

function budgetBar(ratio: number): HTMLElement {
  const shown = Math.max(0, Math.min(1, ratio));
  const state = ratio <= 0 ? 'down' : ratio < 0.25 ? 'degraded' : 'up';
  const fill = el('span', { class: `budget-fill budget-${state}` });
  // Through the CSSOM: the dashboard's CSP refuses style attributes.
  fill.style.width = `${(shown * 100).toFixed(1)}%`;
  return el('span', { class: 'budget', title: `${fixed(ratio * 100, 1)}% of the error budget left` }, fill);
}

function sloRow(s: SloStatusView): HTMLTableRowElement {
  const firing = s.alerts.filter((a) => a.firing);
  // An alert whose long window holds too few calls judges nothing: say so beside its burn rates.
  const burn = s.alerts.map((a) => `${a.alert} ${fixed(a.longBurnRate, 2)}/${fixed(a.shortBurnRate, 2)} (×${fixed(a.factor, 2)}${a.enoughCalls ? '' : `; ${a.longWindowCalls} of ${s.minimumCalls} calls`})`).join(', ');
  return el(
    'tr',
    { 'data-slo': s.name, 'data-firing': String(firing.length > 0) },
    el('td', {}, el('strong', {}, s.name), el('div', { class: 'muted' }, `${s.kind} of ${s.dependency}`)),
    el('td', {}, `${s.objectivePercent}% / ${s.windowDays} d`),
    el('td', { class: 'sli' }, s.sliPercent === null ? 'no calls' : `${fixed(s.sliPercent, 3)}%`, el('div', { class: 'muted' }, `${s.badCalls} bad of ${s.totalCalls}`)),
    el('td', { class: 'budget-left' }, budgetBar(s.budgetRemainingRatio), ` ${fixed(s.budgetRemainingRatio * 100, 1)}%`),
    el('td', { class: 'burn muted' }, burn),
    el('td', { class: 'alerts' }, firing.length === 0 ? badge('ok') : el('span', {}, ...firing.map((a) => el('span', { class: `badge badge-${a.severity === 'critical' ? 'critical' : 'warning'}` }, a.alert)))),
  );
}

export function renderSlos(slos: SloStatusView[]): void {
  // Replaced, not morphed: a morph copies the bar's width as a style attribute, which the CSP refuses.
  replaceChildren(byId('analytics-slos'), slos.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '6' }, 'no SLO configured'))] : slos.map(sloRow));
}

function incidentRow(i: IncidentView): HTMLTableRowElement {
  return el(
    'tr',
    { 'data-incident': i.id, 'data-kind': i.kind, 'data-dependency': i.dependency, 'data-open': String(i.endedAt === null) },
    el('td', {}, time(i.startedAt)),
    el('td', {}, i.endedAt === null ? badge('ongoing') : duration(i.endedAt - i.startedAt)),
    el('td', {}, i.kind),
    el('td', {}, i.dependency),
    el('td', { class: 'muted' }, i.resolution ? `${i.cause} → ${i.resolution}` : i.cause),
  );
}

function reliabilityRow(r: ReliabilityView): HTMLTableRowElement {
  return el(
    'tr',
    { 'data-dependency': r.dependency },
    el('td', {}, r.dependency),
    el('td', {}, String(r.failures)),
    el('td', {}, duration(r.downtimeMs)),
    el('td', { class: 'mttr' }, duration(r.mttrMs)),
    el('td', { class: 'mtbf' }, duration(r.mtbfMs)),
  );
}

export function renderIncidents(list: IncidentListView): void {
  morphChildren(byId('analytics-incidents'), list.incidents.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '5' }, 'no incident in the last day'))] : list.incidents.map(incidentRow));
  morphChildren(byId('analytics-reliability'), list.reliability.length === 0 ? [el('tr', {}, el('td', { class: 'muted', colspan: '5' }, 'no outage in the last day'))] : list.reliability.map(reliabilityRow));
}

async function refresh(): Promise<void> {
  try {
    const since = Date.now() - RANGE_MS;
    const [slos, incidents] = await Promise.all([getJson<SloStatusView[]>('api/analytics/slos'), getJson<IncidentListView>(`api/analytics/incidents?since=${since}&limit=${INCIDENTS_SHOWN}`)]);
    renderSlos(slos);
    renderIncidents(incidents);
    byId('analytics').hidden = false;
    void refreshTuning();
  } catch {
    // Not signed in, or a role without analytics:read: the section stays as it is.
  }
}

let started = false;

/** Shows the section and keeps it current; called on each overview that says the analytics run (once is enough). */
export function startAnalytics(): void {
  if (started) return;
  started = true;
  void startTuning().then(refresh);
  setInterval(() => void refresh(), REFRESH_MS);
}
