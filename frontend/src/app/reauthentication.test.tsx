import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import type { MfaStatus } from '@/lib/mfa-status';
import { renderApp } from '@/testing/render';
import { mfaStatus } from '@/testing/fixtures';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';

// The server's one sentence for a wrong code, wherever it was typed (backend/mfa/errors.py).
const SERVER_WRONG_CODE = 'That code is not right, or it was already used. Enter the current code, or a recovery code.';

// The server's own details (backend/accounts/api_base.py: ReauthenticationRequired.default_detail, SECOND_FACTOR_NEEDED):
// written for developers, they name the endpoint to call; the page must say it in the user's words.
const REFUSAL = { detail: "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.", code: 'reauthentication_required' };
const SECOND_FACTOR_NEEDED = {
  detail:
    "This account has two-step verification: confirm it's you with your authenticator app or a passkey (POST /api/auth/reauthenticate/), then try again.",
  code: 'reauthentication_required',
};

/** A session signed in at `aal`, of an account with an authenticator app when `twoSteps`. */
function statusAt(aal: 1 | 2, twoSteps: boolean): MfaStatus {
  return mfaStatus({
    mfa_enabled: twoSteps,
    totp: { enabled: twoSteps, pending: false, confirmed_at: null },
    recovery_codes: { remaining: twoSteps ? 10 : 0, total: twoSteps ? 10 : 0 },
    session: { amr: aal === 2 ? ['pwd', 'otp'] : ['pwd'], aal, authenticated_at: '2026-12-05T08:00:00Z', reauthenticated_until: null },
  });
}

/** The account page's own requests, and a password change refused once for want of a recent sign-in. */
function accountWithStaleSession(aal: 1 | 2, twoSteps: boolean = aal === 2) {
  const passwordChanges: unknown[] = [];
  const reauthentications: unknown[] = [];
  let fresh = false;
  server.use(
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    http.get(`${API}/auth/mfa/`, () => HttpResponse.json(statusAt(aal, twoSteps))),
    noPendingEmailChange,
    http.post(`${API}/auth/password/`, async ({ request }) => {
      passwordChanges.push(await request.json());
      return fresh ? new HttpResponse(null, { status: 204 }) : HttpResponse.json(twoSteps ? SECOND_FACTOR_NEEDED : REFUSAL, { status: 403 });
    }),
    http.post(`${API}/auth/reauthenticate/`, async ({ request }) => {
      const body = (await request.json()) as Record<string, string>;
      reauthentications.push(body);
      if (body.code === '000000') return HttpResponse.json({ detail: SERVER_WRONG_CODE, code: 'mfa_code_invalid' }, { status: 400 });
      fresh = true;
      return HttpResponse.json({ authenticated_at: '2026-12-05T09:00:00Z', reauthenticated_until: '2026-12-05T09:05:00Z' });
    }),
  );
  return { passwordChanges, reauthentications };
}

async function changePassword() {
  renderApp('/account');
  const user = userEvent.setup();
  const form = await screen.findByRole('region', { name: 'Change password' });
  await user.type(within(form).getByLabelText('Current password'), 'old password');
  await user.type(within(form).getByLabelText('New password'), 'new password 1');
  await user.type(within(form).getByLabelText('Confirm new password'), 'new password 1');
  await user.click(within(form).getByRole('button', { name: 'Change password' }));
  return { user, form };
}

const CHANGE = { current_password: 'old password', new_password: 'new password 1' };

describe('"Confirm it\'s you" when an action needs a recent sign-in (403 reauthentication_required)', () => {
  it('asks for the password, then sends the refused request again and the action completes', async () => {
    const { passwordChanges, reauthentications } = accountWithStaleSession(1);
    const { user, form } = await changePassword();

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    const password = await within(dialog).findByLabelText('Password');
    await waitFor(() => expect(password).toHaveFocus());
    expect(passwordChanges).toHaveLength(1);
    await user.type(password, 'old password');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    expect(await within(form).findByText('Password changed. Your other devices have been signed out.')).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(reauthentications).toEqual([{ password: 'old password' }]);
    // The same request, sent again once and accepted.
    expect(passwordChanges).toEqual([CHANGE, CHANGE]);
  });

  it('reads out a wrong password sent with Enter, each time, from the dialog: the field keeps the focus, so nothing else would', async () => {
    accountWithStaleSession(1);
    server.use(http.post(`${API}/auth/reauthenticate/`, () => HttpResponse.json({ password: ['The current password is incorrect.'] }, { status: 400 })));
    const { user } = await changePassword();
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    const password = await within(dialog).findByLabelText('Password');
    await waitFor(() => expect(password).toHaveFocus());
    // The dialog's own live region: the page behind a modal dialog is hidden from screen readers.
    const region = dialog.querySelector('[data-announcer]')!;

    await user.type(password, 'wrong password{Enter}');
    await waitFor(() => expect(region).toHaveTextContent('The current password is incorrect.'));
    expect(password).toHaveFocus();

    await user.type(password, '2{Enter}');
    await waitFor(() => expect(region).toBeEmptyDOMElement());
    await waitFor(() => expect(region).toHaveTextContent('The current password is incorrect.'));
    expect(password).toHaveFocus();
  });

  it('offers no password to an account with two steps, and takes an authenticator code', async () => {
    const { passwordChanges, reauthentications } = accountWithStaleSession(2);
    const { user, form } = await changePassword();

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    const code = await within(dialog).findByLabelText('Authenticator code');
    expect(within(dialog).queryByLabelText('Password')).not.toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Use your password instead' })).not.toBeInTheDocument();
    expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    // What the account has: an app, no passkey.
    expect(dialog).toHaveAccessibleDescription('This change needs a recent sign-in. Your account has two-step verification, so confirm with your authenticator app.');

    await user.type(code, '000000');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    expect(await within(dialog).findByText("That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose “Use a recovery code instead”.")).toBeInTheDocument();
    expect(passwordChanges).toHaveLength(1);

    await user.clear(code);
    await user.type(code, '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    expect(await within(form).findByText('Password changed. Your other devices have been signed out.')).toBeInTheDocument();
    expect(reauthentications).toEqual([{ code: '000000' }, { code: '123456' }]);
    expect(passwordChanges).toEqual([CHANGE, CHANGE]);
  });

  it('offers an account whose second factor is a passkey only that, and puts the focus on it once the ways are known', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    try {
      accountWithStaleSession(2);
      const laptop = { id: 'p-1', name: 'Laptop', created_at: '2026-12-01T09:00:00Z', last_used_at: null, discoverable: true, backed_up: true, credential_id: 'cred-laptop' };
      server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json({ ...statusAt(2, false), mfa_enabled: true, passkeys: [laptop] })));
      await changePassword();

      // The dialog opened on a spinner, its only control ×: no form mounts to take the focus then.
      const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
      const passkey = await within(dialog).findByRole('button', { name: 'Use a passkey' });
      await waitFor(() => expect(passkey).toHaveFocus());
      expect(dialog).toHaveAccessibleDescription('This change needs a recent sign-in. Your account has two-step verification, so confirm with a passkey.');
      expect(within(dialog).queryByLabelText('Authenticator code')).not.toBeInTheDocument();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('has the security activity read again after each answer, a wrong code too: the server records both', async () => {
    accountWithStaleSession(2);
    let activityLoads = 0;
    server.use(
      http.get(`${API}/auth/activity/`, () => {
        activityLoads += 1;
        return HttpResponse.json({ count: 0, next: null, previous: null, results: [] });
      }),
    );
    const { user, form } = await changePassword();
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    await waitFor(() => expect(activityLoads).toBe(1));

    await user.type(await within(dialog).findByLabelText('Authenticator code'), '000000');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    expect(await within(dialog).findByText("That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose “Use a recovery code instead”.")).toBeInTheDocument();
    // The password change still waits for the dialog: this load is the wrong code's.
    await waitFor(() => expect(activityLoads).toBe(2));

    await user.clear(within(dialog).getByLabelText('Authenticator code'));
    await user.type(within(dialog).getByLabelText('Authenticator code'), '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));
    expect(await within(form).findByText('Password changed. Your other devices have been signed out.')).toBeInTheDocument();
    await waitFor(() => expect(activityLoads).toBeGreaterThanOrEqual(3));
  });

  it('offers no password to a session signed in with it before the account got a second step', async () => {
    // (the server asks for the account's second factor, whatever the session signed in with)
    accountWithStaleSession(1, true);
    await changePassword();

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    expect(await within(dialog).findByLabelText('Authenticator code')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Password')).not.toBeInTheDocument();
    expect(within(dialog).getByText(/Your account has two-step verification/)).toBeInTheDocument();
  });

  it('reads the account again when the password is refused, and offers what works now', async () => {
    // Given a status loaded before a second factor was added on another device
    accountWithStaleSession(1);
    let twoStepsNow = false;
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(statusAt(1, twoStepsNow))),
      http.post(`${API}/auth/reauthenticate/`, () => {
        twoStepsNow = true;
        return HttpResponse.json(SECOND_FACTOR_NEEDED, { status: 403 });
      }),
    );
    const { user } = await changePassword();
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });

    // When the password it offered is refused
    await user.type(await within(dialog).findByLabelText('Password'), 'old password');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    // Then it asks for the authenticator app instead, saying why in the user's words
    expect(await within(dialog).findByLabelText('Authenticator code')).toBeInTheDocument();
    expect(within(dialog).queryByLabelText('Password')).not.toBeInTheDocument();
    expect(within(dialog).getByText('Your account has two-step verification: use your authenticator app or a passkey.')).toBeInTheDocument();
    expect(within(dialog).queryByText(/POST|\/api\//)).not.toBeInTheDocument();
  });

  it('takes a recovery code from someone who lost the app, and the action completes', async () => {
    const { passwordChanges, reauthentications } = accountWithStaleSession(2);
    const { user, form } = await changePassword();

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    await user.click(await within(dialog).findByRole('button', { name: 'Use a recovery code instead' }));
    const field = await within(dialog).findByLabelText('Recovery code');
    await waitFor(() => expect(field).toHaveFocus());
    // The same field as sign-in's second step (components/second-factor-forms.tsx): its hint, and no capital letters added.
    expect(field).toHaveAccessibleDescription(
      'One of the codes you saved when you turned on two-step verification, written like xxxx-xxxx-xxxx-xxxx. Each works once.',
    );
    expect(field).toHaveAttribute('autocapitalize', 'off');
    await user.type(field, 'abcd-efgh-ijkl-mnop');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    expect(await within(form).findByText('Password changed. Your other devices have been signed out.')).toBeInTheDocument();
    expect(reauthentications).toEqual([{ recovery_code: 'abcd-efgh-ijkl-mnop' }]);
    expect(passwordChanges).toEqual([CHANGE, CHANGE]);
  });

  it('cancelled, says the change was not made, in the user\'s words, and sends nothing more', async () => {
    const { passwordChanges, reauthentications } = accountWithStaleSession(1);
    const { user, form } = await changePassword();

    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    await within(dialog).findByLabelText('Password');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));

    expect(await within(form).findByText("Not changed: confirm it's you to make this change.")).toBeInTheDocument();
    expect(within(form).queryByText(/POST|\/api\//)).not.toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(passwordChanges).toHaveLength(1);
    expect(reauthentications).toEqual([]);
  });
});
