/**
 * The fleet section: every instance from /api/instances (refreshed every two seconds), the
 * fleet-wide halt, and Halt fleet / Resume fleet. Shown only when the overview names a fleet.
 */
import { getJson, postJson } from './api.js';
import { guarded } from './confirm.js';
import { badge, byId, el, replaceChildren, setText, time } from './dom.js';
import type { FleetSummary, InstanceRow } from './types.js';

const REFRESH_MS = 2_000; // a heartbeat is 1 s; two seconds keeps the table close without a stream of its own

function breakersCell(row: InstanceRow): Node {
  const breakers = row.snapshot?.breakers ?? [];
  const notClosed = breakers.filter((b) => b.state !== 'closed');
  if (breakers.length === 0) return el('span', { class: 'muted' }, '–');
  if (notClosed.length === 0) return el('span', {}, `${breakers.length} closed`);
  return el('span', {}, ...notClosed.flatMap((b) => [badge(b.state), ` ${b.name} `]));
}

function idCell(row: InstanceRow): Node {
  const duties = row.snapshot?.duties ?? [];
  if (duties.length === 0) return el('span', {}, row.id);
  return el('span', {}, `${row.id} `, el('span', { class: 'badge badge-leader', title: `leader of ${duties.join(', ')}` }, 'leader'));
}

function ordersCell(row: InstanceRow): string {
  const orders = row.snapshot?.orders;
  if (!orders) return '–';
  return Object.entries(orders)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`)
    .join(' · ') || '0';
}

export function renderFleet(summary: FleetSummary, rows: InstanceRow[]): void {
  setText('fleet-name', summary.fleet);
  setText('fleet-halt', summary.halt ? `halted by ${summary.halt.by} at ${time(summary.halt.at)}: ${summary.halt.reason}` : 'not halted');
  setText('fleet-count', `${summary.instances} instances, ${summary.stale} stale`);
  replaceChildren(
    byId('fleet-body'),
    rows.map((r) =>
      el(
        'tr',
        { 'data-instance': r.id, 'data-stale': String(r.stale) },
        el('td', { class: 'id' }, r.stale ? r.id : idCell(r)),
        el('td', {}, `${r.host} · ${r.pid}`),
        el('td', {}, r.version),
        el('td', {}, time(r.lastHeartbeatAt)),
        el('td', { class: 'status' }, badge(r.leftAt !== null ? 'left' : r.stale ? 'stale' : 'live')),
        el('td', { class: 'gate' }, r.gateMode ? badge(r.gateMode) : '–'),
        el('td', {}, breakersCell(r)),
        el('td', {}, ordersCell(r)),
      ),
    ),
  );
}

async function refresh(): Promise<boolean> {
  try {
    const [summary, rows] = await Promise.all([getJson<FleetSummary>('api/fleet'), getJson<InstanceRow[]>('api/instances')]);
    byId('fleet').hidden = false;
    renderFleet(summary, rows);
    return true;
  } catch {
    return false;
  }
}

let started = false;

/** Shows the section (the overview says the server has a fleet) and keeps it current; once. */
export function startFleet(report: (error: unknown) => void): void {
  if (started) return;
  started = true;
  byId('fleet-halt-all').addEventListener('click', guarded('Halt fleet', 'Every instance of the fleet stops trading until resumed.', (reason) => postJson('api/fleet/halt', { reason }).then(refresh), report));
  byId('fleet-resume-all').addEventListener('click', guarded('Resume fleet', 'Every instance of the fleet resumes trading.', (reason) => postJson('api/fleet/resume', { reason }).then(refresh), report));
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}
