/**
 * Sign-in on the dashboard: a form for an API token shown when the API answers 401 (or on "Sign
 * in"), who the page acts as, and "Sign out". The session lives in an HttpOnly cookie the page
 * never reads; only its CSRF token is readable, and api.ts sends it with every change.
 */
import { postJson, whenUnauthorized } from './api.js';
import { byId } from './dom.js';

interface SessionView {
  kind: 'token' | 'session' | 'local' | 'system';
  name: string;
  role: string;
  authentication: boolean;
}

function showLogin(message = ''): void {
  const form = byId<HTMLFormElement>('login');
  form.hidden = false;
  byId('login-error').textContent = message;
  byId<HTMLInputElement>('login-token').focus();
}

async function refreshWho(): Promise<void> {
  const who = byId('whoami');
  const signIn = byId<HTMLButtonElement>('sign-in');
  const signOut = byId<HTMLButtonElement>('sign-out');
  // Not through getJson: "not signed in" here is an answer, not a reason to show the form.
  const response = await fetch('api/session', { credentials: 'same-origin' }).catch(() => undefined);
  if (response?.ok) {
    const session = (await response.json()) as SessionView;
    who.textContent = session.authentication ? `${session.name} (${session.role})` : '';
    signOut.hidden = session.kind !== 'session';
    signIn.hidden = !session.authentication || session.kind === 'session';
  } else {
    who.textContent = '';
    signOut.hidden = true;
    signIn.hidden = false;
  }
}

export function startSession(): void {
  whenUnauthorized(() => showLogin('Sign in with an API token to continue (bulwark token create).'));
  byId('sign-in').addEventListener('click', () => showLogin());
  byId('login-cancel').addEventListener('click', () => (byId<HTMLFormElement>('login').hidden = true));
  byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>('login-token');
    postJson('api/login', { token: input.value.trim() })
      .then(() => {
        input.value = '';
        // A fresh page: every section and the event stream start again with the session's rights.
        location.reload();
      })
      .catch((error: unknown) => {
        byId('login-error').textContent = error instanceof Error ? error.message : String(error);
      });
  });
  byId('sign-out').addEventListener('click', () => {
    postJson('api/logout')
      .catch(() => undefined)
      .finally(() => location.reload());
  });
  void refreshWho();
}
