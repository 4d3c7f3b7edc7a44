import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession } from '@/lib/session';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { mfaStatus } from '@/testing/fixtures';
import { identity } from '@/testing/oidc';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const REAUTHENTICATE = {
  detail: "This account has two-step verification: confirm it's you with your authenticator app or a passkey (POST /api/auth/reauthenticate/), then try again.",
  code: 'reauthentication_required',
};

/**
 * The account page of an account created through a provider, which has no password until it sets one
 * (has_password, which a password set turns true).
 */
function passwordlessAccount() {
  let hasPassword = false;
  server.use(
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
    http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: hasPassword, identities: [identity()] })),
  );
  return { passwordSet: () => (hasPassword = true) };
}

describe('an account with no password (created through a provider)', () => {
  it('sets a password, with no current one asked for, after "Confirm it\'s you" when the server asks', async () => {
    const { passwordSet } = passwordlessAccount();
    const bodies: unknown[] = [];
    const confirmations: unknown[] = [];
    server.use(
      // Its sign-in had a second factor: the prompt asks for the app's code, not a password it does not have.
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: null } }))),
      http.post(`${API}/auth/reauthenticate/`, async ({ request }) => {
        confirmations.push(await request.json());
        return HttpResponse.json({ authenticated_at: '2026-12-05T09:00:00Z', reauthenticated_until: '2026-12-05T09:05:00Z' });
      }),
      http.post(`${API}/auth/password/`, async ({ request }) => {
        bodies.push(await request.json());
        if (confirmations.length === 0) return HttpResponse.json(REAUTHENTICATE, { status: 403 });
        passwordSet();
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const form = await screen.findByRole('region', { name: 'Set a password' });
    expect(within(form).queryByLabelText('Current password')).not.toBeInTheDocument();
    expect(within(form).getByText(/Your account has no password yet/)).toBeInTheDocument();
    await user.type(within(form).getByLabelText('New password'), 'a new password');
    await user.type(within(form).getByLabelText('Confirm new password'), 'a new password');
    await user.click(within(form).getByRole('button', { name: 'Set password' }));

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    await user.type(await within(dialog).findByLabelText('Authenticator code'), '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    expect(await within(form).findByText('Password set. You can sign in with it from now on.')).toBeInTheDocument();
    expect(bodies).toEqual([{ new_password: 'a new password' }, { new_password: 'a new password' }]);
    expect(confirmations).toEqual([{ code: '123456' }]);
    // Read again: the account has a password now, and the form asks for it from now on.
    expect(await screen.findByRole('region', { name: 'Change password' })).toBe(form);
    expect(within(form).getByLabelText('Current password')).toBeInTheDocument();
  });

  it('still checks the new password twice before sending it', async () => {
    passwordlessAccount();
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/password/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const form = await screen.findByRole('region', { name: 'Set a password' });
    await user.type(within(form).getByLabelText('New password'), 'a new password');
    await user.type(within(form).getByLabelText('Confirm new password'), 'another one');
    await user.click(within(form).getByRole('button', { name: 'Set password' }));

    expect(within(form).getByLabelText('Confirm new password')).toHaveAccessibleDescription('The passwords do not match.');
    expect(bodies).toEqual([]);
  });

  it('changes the email address with no current password', async () => {
    passwordlessAccount();
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/email/change/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 202 });
      }),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const panel = await screen.findByRole('region', { name: 'Email address' });
    const form = within(panel).getByRole('form', { name: 'Change your email' });
    await waitFor(() => expect(within(form).queryByLabelText('Current password')).not.toBeInTheDocument());
    await user.type(within(form).getByLabelText('New email'), 'ada@new.example');
    await user.click(within(form).getByRole('button', { name: 'Send confirmation link' }));

    expect(await within(form).findByText(/a link was sent to it/)).toBeInTheDocument();
    expect(bodies).toEqual([{ new_email: 'ada@new.example' }]);
  });

  it('deletes the account with its address typed and no current password', async () => {
    passwordlessAccount();
    const bodies: unknown[] = [];
    server.use(
      http.delete(`${API}/auth/me/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const app = renderApp('/account');
    const user = userEvent.setup();

    await screen.findByRole('region', { name: 'Set a password' });
    await user.click(screen.getByRole('button', { name: 'Delete account…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Delete your account?' });
    expect(dialog).toHaveAccessibleDescription(/To confirm, type ada@example.com\.$/);
    expect(within(dialog).queryByLabelText('Current password')).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText('Your email address'), 'ada@example.com');
    await user.click(within(dialog).getByRole('button', { name: 'Delete my account' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login');
    expect(bodies).toEqual([{}]);
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out' });
  });

  it('is not asked for a password it does not have to confirm it\'s you: without a second factor, it is told to sign in again', async () => {
    passwordlessAccount();
    const confirmations: unknown[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus())),
      http.post(`${API}/auth/reauthenticate/`, async ({ request }) => {
        confirmations.push(await request.json());
        return HttpResponse.json({ detail: 'Wrong password.', code: 'invalid_credentials' }, { status: 400 });
      }),
      http.post(`${API}/auth/password/`, () =>
        HttpResponse.json({ detail: "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.", code: 'reauthentication_required' }, { status: 403 }),
      ),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const form = await screen.findByRole('region', { name: 'Set a password' });
    await user.type(within(form).getByLabelText('New password'), 'a new password');
    await user.type(within(form).getByLabelText('Confirm new password'), 'a new password');
    await user.click(within(form).getByRole('button', { name: 'Set password' }));

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    expect(
      await within(dialog).findByText(
        'Your account has no password to confirm with. Sign out, sign in again with Google or with a code emailed to you, then make this change straight away.',
      ),
    ).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Password')).not.toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: /password/ })).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    expect(await within(form).findByText("Not changed: confirm it's you to make this change.")).toBeInTheDocument();
    expect(confirmations).toEqual([]);
  });
});
