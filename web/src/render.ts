/** Renders each dashboard section from the overview; one function per section. */
import { LiveChart } from './charts.js';
import { badge, byId, el, fixed, replaceChildren, setBadge, setText, time } from './dom.js';
import type { AlertRuleView, DeadLetter, Overview, Tile, TimelineEntry } from './types.js';

let scoreChart: LiveChart | undefined;

export function renderOverview(o: Overview): void {
  setText('service', o.service);
  if (o.health) {
    setText('health-score', String(o.health.score));
    setBadge('health-status', o.health.status);
    replaceChildren(
      byId('health-reasons'),
      o.health.reasons.length === 0 ? [el('li', { class: 'muted' }, 'all checks up')] : o.health.reasons.map((r) => el('li', {}, badge(r.status), ` ${r.check} (−${r.lost}): ${r.message}`)),
    );
  }
  if (o.gate) {
    const mode = byId('gate-mode');
    mode.textContent = o.gate.mode;
    mode.className = `big gate-${o.gate.mode}`;
    mode.dataset.mode = o.gate.mode;
    setText('gate-reason', `${o.gate.reason} · since ${time(o.gate.since)}${o.gate.killed ? ' · kill switch on' : ''}`);
    replaceChildren(
      byId('gate-conditions'),
      o.gate.conditions.map((c) => el('li', {}, badge(c.mode), ` ${c.name}: ${c.reason}${c.acknowledged ? ` (acknowledged by ${c.acknowledged.by}: ${c.acknowledged.reason})` : ''}`)),
    );
  } else {
    // No gate on this server (no exchange account configured): no buttons whose routes would answer 404.
    setText('gate-mode', 'none');
    setText('gate-reason', 'no trading gate on this server (no exchange account configured)');
  }
  for (const id of ['gate-halt', 'gate-resume']) byId<HTMLButtonElement>(id).hidden = !o.gate;
  replaceChildren(
    byId('active-alerts'),
    o.alerts.length === 0
      ? [el('li', { class: 'muted' }, 'none')]
      : o.alerts.map((a) => el('li', {}, badge(a.state === 'firing' ? a.severity : 'pending'), ` ${a.rule}: ${a.description} (value ${fixed(a.value, 2)})`)),
  );
  if (o.health) {
    if (!scoreChart) scoreChart = new LiveChart(byId('score-chart'), [{ label: 'health score', stroke: '#2fb36b', range: [0, 100] }], 300, 110);
    scoreChart.push(o.at, [o.health.score]);
  }
}

interface TileView {
  root: HTMLElement;
  chart: LiveChart;
}
const tiles = new Map<string, TileView>();

function makeTile(t: Tile): TileView {
  const chartBox = el('div', { class: 'chart' });
  const root = el(
    'article',
    { class: 'tile', 'data-breaker': t.name },
    el('header', {}, el('span', { class: 'name' }, t.name), el('span', { class: 'badge state' }, t.state)),
    el(
      'dl',
      {},
      el('div', {}, el('dt', {}, 'error %'), el('dd', { class: 'error-percent' }, '–')),
      el('div', {}, el('dt', {}, 'req/s'), el('dd', { class: 'rate' }, '–')),
      el('div', {}, el('dt', {}, 'saturation'), el('dd', { class: 'saturation' }, '–')),
      el('div', {}, el('dt', {}, 'p50 ms'), el('dd', { class: 'p50' }, '–')),
      el('div', {}, el('dt', {}, 'p99 ms'), el('dd', { class: 'p99' }, '–')),
      el('div', {}, el('dt', {}, 'rejected'), el('dd', { class: 'rejected' }, '–')),
    ),
    chartBox,
    el(
      'div',
      { class: 'controls' },
      el('button', { type: 'button', 'data-action': 'reset', 'data-name': t.name }, 'Reset'),
      el('button', { type: 'button', 'data-action': 'isolate', 'data-name': t.name, class: 'danger' }, 'Isolate'),
      el('button', { type: 'button', 'data-action': 'release', 'data-name': t.name }, 'Release'),
    ),
  );
  byId('tiles').append(root);
  const chart = new LiveChart(chartBox, [
    { label: 'req/s', stroke: '#4a90d9' },
    { label: 'error %', stroke: '#e0504a', scale: '%', range: [0, 100] },
  ]);
  return { root, chart };
}

function setIn(root: HTMLElement, selector: string, text: string): void {
  const node = root.querySelector(selector);
  if (node && node.textContent !== text) node.textContent = text;
}

export function renderTiles(o: Overview): void {
  for (const t of o.dependencies) {
    let view = tiles.get(t.name);
    if (!view) {
      view = makeTile(t);
      tiles.set(t.name, view);
    }
    const { root, chart } = view;
    root.className = `tile state-${t.state}`;
    root.dataset.state = t.state;
    const state = root.querySelector('.state');
    if (state) {
      state.className = `badge state badge-${t.state}`;
      state.textContent = t.state;
    }
    setIn(root, '.error-percent', fixed(t.errorPercent));
    setIn(root, '.rate', fixed(t.requestRate));
    setIn(root, '.saturation', t.saturation === null ? '–' : `${Math.round(t.saturation * 100)}%`);
    setIn(root, '.p50', fixed(t.p50Ms, 0));
    setIn(root, '.p99', fixed(t.p99Ms, 0));
    setIn(root, '.rejected', String(t.rejected));
    chart.push(o.at, [t.requestRate, t.errorPercent]);
  }
}

export function renderLimits(o: Overview): void {
  replaceChildren(
    byId('limits-body'),
    o.limits.map((l) => {
      const pct = l.usage === null ? null : Math.round(l.usage * 100);
      // Width through the CSSOM: a style attribute would be refused by the page's CSP (no inline styles).
      const fill = el('span');
      fill.style.width = `${pct ?? 0}%`;
      const bar = el('span', { class: 'bar' }, fill);
      return el(
        'tr',
        { 'data-limit': l.name },
        el('td', {}, l.name, el('div', { class: 'muted' }, l.description)),
        el('td', {}, bar, pct === null ? '–' : `${pct}%`),
        el('td', {}, String(l.admitted)),
        el('td', {}, String(l.limited)),
        el('td', {}, String(l.queued)),
      );
    }),
  );
}

export function renderOrders(o: Overview): void {
  if (!o.orders) return;
  replaceChildren(
    byId('order-counts'),
    Object.entries(o.orders.counts).map(([state, count]) => el('span', { 'data-state': state }, el('span', { class: 'badge badge-order' }, state), ` ${count}`)),
  );
  replaceChildren(
    byId('orders-body'),
    o.orders.recent.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, time(r.at)),
        el('td', { title: r.intentId }, r.intentId.slice(0, 18)),
        el('td', {}, r.symbol),
        el('td', {}, r.side),
        el('td', {}, String(r.amount)),
        el('td', {}, r.price === null ? 'market' : String(r.price)),
        el('td', {}, r.state),
        el('td', { class: 'error', title: r.error ?? '' }, r.error ?? ''),
      ),
    ),
  );
}

export function renderDeadLetterCounts(o: Overview): void {
  if (!o.deadLetters) return;
  setText('dlq-pending', String(o.deadLetters.pending));
  setText('dlq-replayed', String(o.deadLetters.replayed));
}

export function renderDeadLetters(items: DeadLetter[]): void {
  replaceChildren(
    byId('dlq-body'),
    items.map((d) => el('tr', {}, el('td', {}, time(d.lastFailedAt)), el('td', {}, d.operation), el('td', { class: 'error', title: d.error }, d.error), el('td', {}, d.status))),
  );
}

export function renderRules(rules: AlertRuleView[]): void {
  replaceChildren(
    byId('rules-body'),
    rules.map((r) =>
      el(
        'tr',
        { 'data-rule': r.name },
        el('td', {}, r.name),
        el('td', {}, `${r.metric} ${r.condition} ${r.threshold}`),
        el('td', {}, badge(r.severity)),
        el('td', {}, badge(r.state === 'firing' ? 'firing' : r.state === 'pending' ? 'pending' : 'ok')),
        el('td', {}, fixed(r.value, 2)),
        el('td', {}, r.description),
      ),
    ),
  );
}

const seen = new Set<number>();
export function addTimeline(entry: TimelineEntry): void {
  if (seen.has(entry.id)) return;
  seen.add(entry.id);
  const list = byId('timeline-list');
  const item = el('li', { class: `sev-${entry.severity}`, 'data-id': String(entry.id) }, el('span', {}, time(entry.at)), el('span', {}, entry.kind), el('span', {}, entry.subject), el('span', {}, entry.message));
  list.prepend(item);
  while (list.children.length > 300) list.lastElementChild?.remove();
}
