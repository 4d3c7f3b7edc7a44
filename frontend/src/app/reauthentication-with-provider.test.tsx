import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTabValue } from '@/lib/tab-storage';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { mfaStatus } from '@/testing/fixtures';
import { capturePageLeaves, GOOGLE, identity, MICROSOFT, oidcProviders } from '@/testing/oidc';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

afterEach(() => vi.unstubAllGlobals());

const REFUSAL = { detail: "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.", code: 'reauthentication_required' };
const AUTHORIZE = 'https://accounts.google.example/authorize?state=s-1&prompt=login';

/**
 * The account page of an account with Google connected (and a password when `hasPassword`), whose password change
 * is refused for want of a recent sign-in; each start of a provider flow is kept, with its Authorization header.
 */
function staleAccount({ hasPassword, twoSteps = false, providers = [GOOGLE] }: { hasPassword: boolean; twoSteps?: boolean; providers?: typeof GOOGLE[] }) {
  const starts: { provider: string; body: unknown; authorization: string | null }[] = [];
  server.use(
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
    oidcProviders(providers),
    http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: hasPassword, identities: [identity()] })),
    http.get(`${API}/auth/mfa/`, () =>
      HttpResponse.json(mfaStatus(twoSteps ? { mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: null } } : {})),
    ),
    http.post(`${API}/auth/password/`, () => HttpResponse.json(REFUSAL, { status: 403 })),
    http.post(`${API}/auth/oidc/:provider/start/`, async ({ request, params }) => {
      starts.push({ provider: String(params.provider), body: await request.json(), authorization: request.headers.get('Authorization') });
      return HttpResponse.json({ authorization_url: AUTHORIZE });
    }),
  );
  return starts;
}

/** Sends the password form (the first password of an account without one), which the server refuses. */
async function changePassword(path = '/account', hasPassword = false) {
  const app = renderApp(path, { token: 'access-1' });
  const user = userEvent.setup();
  const form = await screen.findByRole('region', { name: hasPassword ? 'Change password' : 'Set a password' });
  if (hasPassword) await user.type(within(form).getByLabelText('Current password'), 'old password');
  await user.type(within(form).getByLabelText('New password'), 'a new password');
  await user.type(within(form).getByLabelText('Confirm new password'), 'a new password');
  await user.click(within(form).getByRole('button', { name: hasPassword ? 'Change password' : 'Set password' }));
  const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
  return { app, user, dialog };
}

describe('"Confirm it\'s you" with a connected provider', () => {
  it('lets an account with no password confirm with its provider: starts a re-authentication with the token and remembers the page', async () => {
    const starts = staleAccount({ hasPassword: false });
    const left = capturePageLeaves();
    const { user, dialog } = await changePassword('/account?tab=security');

    expect(await within(dialog).findByText(/Your account has no password to confirm with\. Confirm by signing in again at Google\./)).toBeInTheDocument();
    // Nothing completes by itself: the provider's page replaces this one.
    expect(dialog).toHaveAccessibleDescription('This change needs a recent sign-in. Confirm it’s you to continue.');
    // This replaces the advice to sign out and in again.
    expect(within(dialog).queryByText(/Sign out, sign in again/)).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Confirm with Google' }));

    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(starts).toEqual([{ provider: 'google', body: { intent: 'reauthenticate' }, authorization: 'Bearer access-1' }]);
    expect(JSON.parse(readTabValue('oidc-flow') ?? 'null')).toEqual({ intent: 'reauthenticate', provider: 'Google', next: '/account?tab=security' });
    expect(within(dialog).getByRole('button', { name: 'Going to Google…' })).toHaveAttribute('aria-disabled', 'true');
  });

  it('puts the focus on the provider once the ways to confirm are known, for an account with no password', async () => {
    // The dialog opened on a spinner, its only control ×: no form mounts to take the focus then.
    staleAccount({ hasPassword: false });
    const { dialog } = await changePassword();

    const google = await within(dialog).findByRole('button', { name: 'Confirm with Google' });
    await waitFor(() => expect(google).toHaveFocus());
  });

  it('puts the focus on what to do when there is no way to confirm here: sign in again', async () => {
    staleAccount({ hasPassword: false, providers: [MICROSOFT] });
    const { dialog } = await changePassword();

    const advice = await within(dialog).findByText(/Your account has no password to confirm with\. Sign out, sign in again with Google/);
    await waitFor(() => expect(advice).toHaveFocus());
  });

  it('offers only the connected providers the server still offers', async () => {
    staleAccount({ hasPassword: false, providers: [MICROSOFT, GOOGLE] });
    const { dialog } = await changePassword();

    expect(await within(dialog).findByRole('button', { name: 'Confirm with Google' })).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Confirm with Microsoft' })).not.toBeInTheDocument();
  });

  it('still tells an account with no password to sign in again when its provider is no longer offered', async () => {
    staleAccount({ hasPassword: false, providers: [MICROSOFT] });
    const { dialog } = await changePassword();

    expect(await within(dialog).findByText(/Your account has no password to confirm with\. Sign out, sign in again with Google/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /^Confirm with/ })).not.toBeInTheDocument();
  });

  it('offers the provider below the password to an account that has one', async () => {
    const starts = staleAccount({ hasPassword: true });
    capturePageLeaves();
    const { user, dialog } = await changePassword('/account', true);

    expect(await within(dialog).findByLabelText('Password')).toBeInTheDocument();
    expect(within(dialog).getByText(/^Or confirm by signing in again at Google\./)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Confirm with Google' }));

    await waitFor(() => expect(starts).toHaveLength(1));
    expect(JSON.parse(readTabValue('oidc-flow') ?? 'null')).toMatchObject({ intent: 'reauthenticate', next: '/account' });
  });

  it('does not offer the provider to an account with two-step verification: the server would refuse it', async () => {
    staleAccount({ hasPassword: false, twoSteps: true });
    const { dialog } = await changePassword();

    expect(await within(dialog).findByLabelText('Authenticator code')).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /^Confirm with/ })).not.toBeInTheDocument();
  });

  it('says when the provider cannot be reached, and stays on the page', async () => {
    staleAccount({ hasPassword: false });
    server.use(http.post(`${API}/auth/oidc/google/start/`, () => HttpResponse.json({ detail: 'Unavailable.', code: 'oidc_provider_unavailable' }, { status: 503 })));
    const left = capturePageLeaves();
    const { user, dialog } = await changePassword();

    await user.click(await within(dialog).findByRole('button', { name: 'Confirm with Google' }));

    const message = await within(dialog).findByText('Google cannot be reached right now. Try again in a few minutes.');
    expect(message.closest('[role="alert"]')).not.toBeNull();
    expect(left).toEqual([]);
    expect(readTabValue('oidc-flow')).toBeNull();
    expect(within(dialog).getByRole('button', { name: 'Confirm with Google' })).not.toHaveAttribute('aria-disabled', 'true');
  });
});
