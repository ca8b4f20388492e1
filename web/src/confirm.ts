/**
 * A confirmation with a required reason before a destructive action (halt, resume, breaker reset
 * or isolate, replay, purge, fleet halt/resume): a modal dialog naming the action and what it does,
 * a reason field that must be filled, Cancel and Confirm. The reason is sent with the request, so
 * it lands on the timeline (and the audit log) next to who did it. One click can no longer act:
 * neither a stray click nor a click lured through a framing page (which the CSP forbids as well).
 */
import { el } from './dom.js';

let dialog: HTMLDialogElement | undefined;

function build(): HTMLDialogElement {
  const reason = el('input', { id: 'confirm-reason', type: 'text', required: '', maxlength: '200', autocomplete: 'off', placeholder: 'why (kept on the timeline)' });
  const node = el(
    'dialog',
    { id: 'confirm-dialog', class: 'confirm' },
    el(
      'form',
      { id: 'confirm-form' },
      el('h3', { id: 'confirm-title' }),
      el('p', { id: 'confirm-detail' }),
      el('label', { for: 'confirm-reason' }, 'Reason'),
      reason,
      el('div', { class: 'confirm-buttons' }, el('button', { type: 'button', id: 'confirm-cancel' }, 'Cancel'), el('button', { type: 'submit', id: 'confirm-ok', class: 'danger' }, 'Confirm')),
    ),
  );
  document.body.append(node);
  return node;
}

/** Asks before `action`; resolves with the reason given, or undefined when cancelled (Escape, Cancel). */
export function confirmWithReason(action: string, detail: string): Promise<string | undefined> {
  dialog ??= build();
  const d = dialog;
  const form = d.querySelector('form') as HTMLFormElement;
  const reason = d.querySelector('#confirm-reason') as HTMLInputElement;
  (d.querySelector('#confirm-title') as HTMLElement).textContent = action;
  (d.querySelector('#confirm-detail') as HTMLElement).textContent = detail;
  (d.querySelector('#confirm-ok') as HTMLButtonElement).textContent = action;
  reason.value = '';
  return new Promise((resolve) => {
    const finish = (value: string | undefined): void => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      d.removeEventListener('cancel', onCancel);
      if (d.open) d.close();
      resolve(value);
    };
    const onSubmit = (event: Event): void => {
      event.preventDefault();
      const text = reason.value.trim();
      // `required` stops an empty field; spaces only are refused here.
      if (text === '') return reason.focus();
      finish(text);
    };
    const onCancel = (): void => finish(undefined);
    const cancel = d.querySelector('#confirm-cancel') as HTMLButtonElement;
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    d.addEventListener('cancel', onCancel);
    d.showModal();
    reason.focus();
  });
}

/** Runs `act(reason)` once the operator confirmed with a reason; nothing happens when cancelled. */
export function guarded(action: string, detail: string, act: (reason: string) => Promise<unknown>, report: (error: unknown) => void): () => void {
  return () => {
    void confirmWithReason(action, detail).then((reason) => (reason === undefined ? undefined : act(reason).catch(report)));
  };
}
