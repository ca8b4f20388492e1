/**
 * The security section: the latest threat findings and the sources locked out now (from
 * /api/security/threats, every five seconds), and the last walk of the audit chain (from
 * /api/audit/verify, each minute and on "Verify now"). Shown only when the server runs threat
 * detection and the signed-in role may read it.
 */
import { getJson } from './api.js';
import { badge, byId, el, replaceChildren, setText, time } from './dom.js';
import type { AuditVerifyView, SecurityView } from './types.js';

const REFRESH_MS = 5_000; // findings and lockouts change within seconds of an attack; five seconds shows them in time
const VERIFY_MS = 60_000; // a walk reads the whole audit log: once a minute, and on demand

export function renderSecurity(view: SecurityView): void {
  setText('security-rules', view.rules.length > 0 ? `rules: ${view.rules.join(', ')}` : 'no rules run');
  setText('security-lockout-count', String(view.lockouts.length));
  replaceChildren(
    byId('security-lockouts'),
    view.lockouts.length === 0
      ? [el('li', { class: 'muted' }, 'none')]
      : view.lockouts.map((l) => el('li', { 'data-source': l.source }, `${l.source}: ${l.failures} failures (${l.lastKind}), locked until ${time(l.lockedUntil)}`)),
  );
  replaceChildren(
    byId('security-body'),
    view.findings.length === 0
      ? [el('tr', {}, el('td', { class: 'muted', colspan: '6' }, 'no findings'))]
      : view.findings.map((f) =>
          el(
            'tr',
            { 'data-rule': f.rule },
            el('td', {}, time(f.at)),
            el('td', {}, f.rule),
            el('td', {}, badge(f.severity)),
            el('td', {}, f.summary),
            el('td', {}, f.actor ?? '–'),
            el('td', {}, f.source ?? '–'),
          ),
        ),
  );
}

export function renderAuditVerify(report: AuditVerifyView, at: number): void {
  const node = byId('security-audit');
  node.replaceChildren(
    badge(report.ok ? 'ok' : 'critical'),
    report.ok
      ? ` ${report.entries} entries verified up to #${report.head.seq} at ${time(at)}`
      : ` broken at #${report.broken?.seq ?? '?'} (${report.broken?.kind ?? 'unknown'}): ${report.broken?.detail ?? ''} — checked at ${time(at)}`,
  );
  node.dataset.ok = String(report.ok);
}

/** Renders the section; the first time it can be shown (at load, or once signed in), the audit log is verified too. */
async function refresh(): Promise<void> {
  try {
    renderSecurity(await getJson<SecurityView>('api/security/threats?limit=20'));
    const section = byId('security');
    if (section.hidden) {
      section.hidden = false;
      void verify();
    }
  } catch {
    // Not signed in, a role without security:read, or no threat detection: the section stays as it is.
  }
}

async function verify(): Promise<void> {
  try {
    renderAuditVerify(await getJson<AuditVerifyView>('api/audit/verify'), Date.now());
  } catch (error) {
    setText('security-audit', `audit log not verified: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Shows the section when the server answers for it, and keeps it current. */
export function startSecurity(): void {
  byId('security-verify').addEventListener('click', () => void verify());
  void refresh();
  setInterval(() => void refresh(), REFRESH_MS);
  setInterval(() => {
    if (!byId('security').hidden) void verify();
  }, VERIFY_MS);
}
