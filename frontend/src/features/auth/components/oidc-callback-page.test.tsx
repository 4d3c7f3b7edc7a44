import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession } from '@/lib/session';
import { readTabValue, writeTabValue } from '@/lib/tab-storage';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { user as ada } from '@/testing/fixtures';
import { identity } from '@/testing/oidc';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const CALLBACK = '/login/oidc/callback';
const ARRIVAL = `${CALLBACK}?code=code-1&state=state-1`;
const SIGNED_IN = { access: 'access-oidc', user: ada };
const CHALLENGE = { mfa_required: true, mfa_token: 'challenge-1', methods: ['totp'], expires_at: '2026-12-05T10:05:00Z' };

/** POST /auth/oidc/callback/: every body sent, with its Authorization header, answered by `answer`. */
function callbacks(answer: () => Response) {
  const sent: { body: unknown; authorization: string | null }[] = [];
  server.use(
    http.post(`${API}/auth/oidc/callback/`, async ({ request }) => {
      sent.push({ body: await request.json(), authorization: request.headers.get('Authorization') });
      return answer();
    }),
  );
  return sent;
}

function refusal(code: string, status = 400) {
  return () => HttpResponse.json({ detail: `The server's words for ${code}.`, code }, { status });
}

/** What the sign-in or registration page kept before leaving for the provider (lib/oidc.ts, startOidc). */
function startedFromThisTab(flow: object = { intent: 'sign_in', provider: 'Google' }) {
  writeTabValue('oidc-flow', JSON.stringify(flow));
}

/** The account page's requests, for a flow that ends there. */
function accountPageHandlers() {
  return [
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
  ];
}

describe('the OpenID Connect callback page, refused', () => {
  it('says the provider cancelled or refused (?error=…), shows its words as plain text, and sends nothing', async () => {
    startedFromThisTab();
    const sent = callbacks(() => HttpResponse.json(SIGNED_IN));
    const app = renderApp(`${CALLBACK}?error=access_denied&error_description=%3Cb%3EUser%3C%2Fb%3E+said+no&state=state-1`, { as: 'anonymous' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Sign-in cancelled' })).toBeInTheDocument();
    const alert = await screen.findByText('Google did not sign you in: the request was cancelled or refused.');
    expect(alert.closest('[role="alert"]')).not.toBeNull();
    expect(screen.getByText('It said: “<b>User</b> said no”')).toBeInTheDocument();
    expect(document.querySelector('b')).toBeNull();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login');
    await waitFor(() => expect(app.location()).toBe(CALLBACK));
    expect(sent).toEqual([]);
    expect(readTabValue('oidc-flow')).toBeNull();
  });

  it.each([
    ['oidc_failed', 'Sign-in did not complete', 'The sign-in with Google did not complete. Try again.'],
    [
      'oidc_account_exists',
      'You already have an account',
      'An account already uses this email address. Sign in with your password or an emailed code, then connect Google from your account page.',
    ],
    [
      'oidc_email_unverified',
      'Sign-in did not complete',
      'Google did not confirm that this email address is yours, so no account can be created with it. Confirm it with Google, or create an account with your email and a password.',
    ],
  ])('says what %s means, with the way back to sign in', async (code, title, message) => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google', next: '/tasks' });
    const sent = callbacks(refusal(code));
    const app = renderApp(ARRIVAL, { as: 'anonymous' });

    expect(await screen.findByRole('heading', { level: 1, name: title })).toBeInTheDocument();
    const alert = await screen.findByText(message);
    expect(alert.closest('[role="alert"]')).not.toBeNull();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login?next=%2Ftasks');
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: null }]);
    // The code is out of the address bar and the history, and the flow is over. Waited for: the page's effect takes
    // it out with a navigation (a transition), which can commit after the answer shows when the page's chunk loaded
    // outside act (this test run first or alone, on a busy machine).
    await waitFor(() => expect(app.location()).toBe(CALLBACK));
    expect(readTabValue('oidc-flow')).toBeNull();
    expect(getSession().status).toBe('anonymous');
  });

  it('says the provider cannot be reached (503), naming it', async () => {
    startedFromThisTab();
    callbacks(refusal('oidc_provider_unavailable', 503));
    renderApp(ARRIVAL, { as: 'anonymous' });

    expect(await screen.findByText('Google cannot be reached right now. Try again in a few minutes.')).toBeInTheDocument();
  });

  it('says how long to wait when the server said (Retry-After)', async () => {
    startedFromThisTab();
    callbacks(() => HttpResponse.json({ detail: 'Unavailable.', code: 'oidc_provider_unavailable' }, { status: 503, headers: { 'Retry-After': '30' } }));
    renderApp(ARRIVAL, { as: 'anonymous' });

    expect(await screen.findByText('Google cannot be reached right now. Try again in 30 seconds.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login');
  });

  it('says a connect failed because that provider account belongs to another account, with the way back to the account page', async () => {
    startedFromThisTab({ intent: 'connect', provider: 'Google' });
    const sent = callbacks(refusal('oidc_identity_taken'));
    renderApp(ARRIVAL, { token: 'access-1' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Not connected' })).toBeInTheDocument();
    expect(
      screen.getByText('That Google account is already connected to another account here. To connect it to this one, sign in to the other account and disconnect it there first; or connect a different Google account.'),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to your account' })).toHaveAttribute('href', '/account');
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: 'Bearer access-1' }]);
  });

  it('says a connect that took longer than a confirmation lasts must start again from the account page', async () => {
    startedFromThisTab({ intent: 'connect', provider: 'Google' });
    callbacks(refusal('reauthentication_required', 403));
    renderApp(ARRIVAL, { token: 'access-1' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Not connected' })).toBeInTheDocument();
    expect(
      screen.getByText('It took too long at Google, so connecting it needs you to confirm it’s you again. Start again from your account page.'),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to your account' })).toHaveAttribute('href', '/account');
  });

  it('shows any other failure as the other pages do', async () => {
    callbacks(() => HttpResponse.json({ detail: 'Request was throttled.', code: 'throttled' }, { status: 429, headers: { 'Retry-After': '30' } }));
    renderApp(ARRIVAL, { as: 'anonymous' });

    // This tab did not start the flow (another tab, or its storage was cleared): "the provider".
    expect(await screen.findByText('Too many attempts. Try again in 30 seconds.')).toBeInTheDocument();
  });

  it('has nothing to do without a code (a reload after it was used), and sends nothing', async () => {
    const sent = callbacks(() => HttpResponse.json(SIGNED_IN));
    renderApp(CALLBACK, { as: 'anonymous' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Nothing to complete' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login');
    expect(sent).toEqual([]);
  });
});

describe('the OpenID Connect callback page, accepted', () => {
  it('signs in once (under StrictMode too) and goes to the page the sign-in page kept', async () => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google', next: '/account' });
    const sent = callbacks(() => HttpResponse.json(SIGNED_IN));
    server.use(...accountPageHandlers());
    const app = renderApp(ARRIVAL, { as: 'anonymous', strict: true });

    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: null }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
    expect(readTabValue('oidc-flow')).toBeNull();
    // Just signed in: no welcome for an account that was there already.
    expect(within(screen.getByRole('region', { name: 'Notifications' })).queryByText(/Welcome/)).toBeNull();
  });

  it('welcomes an account just created (201)', async () => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google', next: '/account' });
    callbacks(() => HttpResponse.json(SIGNED_IN, { status: 201 }));
    server.use(...accountPageHandlers());
    renderApp(ARRIVAL, { as: 'anonymous' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Notifications' })).getByText('Welcome! Your account was created with Google.')).toBeInTheDocument();
  });

  it('asks for the second factor of an account that has one (202), then signs in', async () => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google', next: '/account' });
    callbacks(() => HttpResponse.json(CHALLENGE, { status: 202 }));
    const second: unknown[] = [];
    server.use(
      http.post(`${API}/auth/mfa/authenticate/`, async ({ request }) => {
        second.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const app = renderApp(ARRIVAL, { as: 'anonymous', strict: true });
    const user = userEvent.setup();

    const heading = await screen.findByRole('heading', { name: 'Two-step verification' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByText('Signing in with Google.')).toBeInTheDocument();
    expect(getSession().status).toBe('anonymous');
    await user.type(screen.getByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(second).toEqual([{ mfa_token: 'challenge-1', code: '123456' }]);
  });

  it('goes back to the sign-in page from the second step, which names it so (the first step was at the provider)', async () => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google', next: '/tasks' });
    callbacks(() => HttpResponse.json(CHALLENGE, { status: 202 }));
    const app = renderApp(ARRIVAL, { as: 'anonymous' });
    const user = userEvent.setup();

    await screen.findByLabelText('Authenticator code');
    expect(screen.queryByRole('button', { name: 'Back to email and password' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Back to sign in' }));

    // The sign-in page (its heading is "Sign in" too, as the second step's page's is), the focus on its heading.
    expect(await screen.findByLabelText('Email')).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks');
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in' })).toHaveFocus();
  });

  it('a second step that expired says so, with the way back to sign in', async () => {
    startedFromThisTab({ intent: 'sign_in', provider: 'Google' });
    callbacks(() => HttpResponse.json(CHALLENGE, { status: 202 }));
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json({ detail: 'Expired.', code: 'mfa_challenge_expired' }, { status: 400 })));
    renderApp(ARRIVAL, { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByText('The sign-in took too long or was interrupted. Sign in again.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to sign in' })).toHaveAttribute('href', '/login');
    expect(screen.queryByLabelText('Authenticator code')).not.toBeInTheDocument();
  });

  it('connects the provider to the signed-in account (with its token), goes to the account page and says so', async () => {
    startedFromThisTab({ intent: 'connect', provider: 'Google' });
    const sent = callbacks(() => HttpResponse.json({ identity: identity() }));
    server.use(...accountPageHandlers());
    const app = renderApp(ARRIVAL, { token: 'access-1', strict: true });

    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    const toasts = within(screen.getByRole('region', { name: 'Notifications' }));
    expect(toasts.getByText('Google connected.')).toBeInTheDocument();
    expect(toasts.getAllByText('Google connected.')).toHaveLength(1);
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: 'Bearer access-1' }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
  });
});

describe('the OpenID Connect callback page, after "Confirm it\'s you" with a provider', () => {
  const REAUTHENTICATED = { authenticated_at: '2026-12-05T09:00:00Z', reauthenticated_until: '2026-12-05T09:05:00Z' };

  it('sends the code once with the session\'s token, goes back to the page it was asked on, and says to make the change again', async () => {
    startedFromThisTab({ intent: 'reauthenticate', provider: 'Google', next: '/account?from=dialog' });
    const sent = callbacks(() => HttpResponse.json(REAUTHENTICATED));
    server.use(...accountPageHandlers());
    const app = renderApp(ARRIVAL, { token: 'access-1', strict: true });

    expect(await screen.findByRole('heading', { level: 1, name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account?from=dialog');
    const toasts = within(screen.getByRole('region', { name: 'Notifications' }));
    expect(toasts.getAllByText('Confirmed. You can make the change now: it was not made yet, so do it again.')).toHaveLength(1);
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: 'Bearer access-1' }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
    expect(readTabValue('oidc-flow')).toBeNull();
  });

  it.each([
    [
      'oidc_failed',
      400,
      'Google did not confirm it’s you. Go back and try again: sign in at Google with the account connected to yours, even if it says you are signed in already.',
    ],
    [
      'reauthentication_required',
      403,
      'Your account has two-step verification, so confirm it’s you with your authenticator app or a passkey instead. Go back and make the change again.',
    ],
    ['oidc_provider_unavailable', 503, 'Google cannot be reached right now. Try again in a few minutes.'],
  ])('says what %s means, with the way back to the page it was asked on', async (code, status, message) => {
    startedFromThisTab({ intent: 'reauthenticate', provider: 'Google', next: '/tasks?status=todo' });
    const sent = callbacks(refusal(code, status));
    const app = renderApp(ARRIVAL, { token: 'access-1' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Not confirmed' })).toBeInTheDocument();
    const alert = await screen.findByText(message);
    expect(alert.closest('[role="alert"]')).not.toBeNull();
    expect(screen.getByRole('link', { name: 'Back to the page you were on' })).toHaveAttribute('href', '/tasks?status=todo');
    expect(sent).toEqual([{ body: { code: 'code-1', state: 'state-1' }, authorization: 'Bearer access-1' }]);
    await waitFor(() => expect(app.location()).toBe(CALLBACK)); // waited for, as in the sign-in refusals above
    expect(readTabValue('oidc-flow')).toBeNull();
    // Still signed in: a failed confirmation ends nothing.
    expect(getSession().status).toBe('authenticated');
  });

  it('says the provider did not confirm it when it refused or the user cancelled (?error=…), and sends nothing', async () => {
    startedFromThisTab({ intent: 'reauthenticate', provider: 'Google', next: '/account' });
    const sent = callbacks(() => HttpResponse.json(REAUTHENTICATED));
    renderApp(`${CALLBACK}?error=access_denied&state=state-1`, { token: 'access-1' });

    expect(await screen.findByRole('heading', { level: 1, name: 'Not confirmed' })).toBeInTheDocument();
    expect(screen.getByText('Google did not confirm it’s you: the request was cancelled or refused.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to the page you were on' })).toHaveAttribute('href', '/account');
    expect(sent).toEqual([]);
  });
});
