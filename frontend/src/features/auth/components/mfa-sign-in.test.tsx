import { startAuthentication } from '@simplewebauthn/browser';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getSession } from '@/lib/session';
import { user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

// jsdom has no WebAuthn: the browser's ceremony is stubbed where a test needs one (the browser test runs the real one).
vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

const CHALLENGE = { mfa_required: true, mfa_token: 'challenge-1', methods: ['totp', 'recovery_code'], expires_at: '2026-12-05T10:05:00Z' };
const SIGNED_IN = { access: 'access-mfa', user: ada };
// The server's one answer to any wrong code (backend/mfa/errors.py).
// The fields' hints (components/second-factor-forms.tsx), read before an error in their accessible description.
const TOTP_HINT = 'The 6-digit code your authenticator app shows now.';
const RECOVERY_HINT = 'One of the codes you saved when you turned on two-step verification, written like xxxx-xxxx-xxxx-xxxx. Each works once.';
const WRONG_CODE = { detail: 'That code is not right, or it was already used. Enter the current code, or a recovery code.', code: 'mfa_code_invalid' };
const ASSERTION = { id: 'cred-1', rawId: 'cred-1', type: 'public-key', response: {}, clientExtensionResults: {} };

afterEach(() => vi.unstubAllGlobals());

/** The pages a successful sign-in lands on (next=/account), answered so that nothing is left unhandled. */
function accountPageHandlers() {
  return [
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
  ];
}

async function passPasswordStep(challenge: object = CHALLENGE) {
  const logins: unknown[] = [];
  server.use(
    http.post(`${API}/auth/login/`, async ({ request }) => {
      logins.push(await request.json());
      return HttpResponse.json(challenge, { status: 202 });
    }),
  );
  const app = renderApp('/login?next=%2Faccount', { as: 'anonymous' });
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await user.type(screen.getByLabelText('Password'), 'correct horse');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  const heading = await screen.findByRole('heading', { name: 'Two-step verification' });
  return { app, user, heading, logins };
}

describe('sign-in second step (202 mfa_required)', () => {
  it('asks for the authenticator code on the same page, focused on its heading, and signs in with it', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/mfa/authenticate/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const { app, user, heading } = await passPasswordStep();

    await waitFor(() => expect(heading).toHaveFocus());
    expect(getSession().status).toBe('anonymous');
    const code = screen.getByLabelText('Authenticator code');
    expect(code).toHaveAttribute('inputmode', 'numeric');
    expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
    // This account has no passkey: none is offered.
    expect(screen.queryByRole('button', { name: 'Use a passkey' })).not.toBeInTheDocument();

    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(bodies).toEqual([{ mfa_token: 'challenge-1', code: '123456' }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
  });

  it('names the account being verified, and drops the sign-in page\'s welcome and "Create an account" meanwhile', async () => {
    const { user } = await passPasswordStep();

    expect(screen.getByText(isolating('Signing in as ada@example.com.', 'ada@example.com'))).toBeInTheDocument();
    expect(screen.queryByText('Welcome back. Sign in to see your tasks.')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Create an account' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Back to email and password' }));
    expect(screen.getByText('Welcome back. Sign in to see your tasks.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Create an account' })).toBeInTheDocument();
  });

  it('shows a wrong code on the field and keeps the step', async () => {
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json(WRONG_CODE, { status: 400 })));
    const { user } = await passPasswordStep();

    await user.type(screen.getByLabelText('Authenticator code'), '000000');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    // In words for this field (6 digits only), pointing to the button that takes a recovery code: not the server's
    // "Enter the current code, or a recovery code."
    const field = screen.getByLabelText('Authenticator code');
    await waitFor(() =>
      expect(field).toHaveAccessibleDescription(
        `That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose “Use a recovery code”. ${TOTP_HINT}`,
      ),
    );
    expect(screen.getByRole('button', { name: 'Use a recovery code' })).toBeInTheDocument();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await waitFor(() => expect(field).toHaveFocus());
    expect(screen.getByRole('heading', { name: 'Two-step verification' })).toBeInTheDocument();
  });

  it('a wrong code names no recovery code when the account has none left, and a wrong recovery code says so', async () => {
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json(WRONG_CODE, { status: 400 })));
    const { user } = await passPasswordStep({ ...CHALLENGE, methods: ['totp'] });

    await user.type(screen.getByLabelText('Authenticator code'), '000000');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Authenticator code')).toHaveAccessibleDescription(
        `That code didn't work. Codes change every 30 seconds: enter the one your app shows now. ${TOTP_HINT}`,
      ),
    );
    cleanup();

    const second = await passPasswordStep();
    await second.user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await second.user.type(screen.getByLabelText('Recovery code'), 'aaaa-bbbb-cccc-dddd');
    await second.user.click(screen.getByRole('button', { name: 'Verify' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Recovery code')).toHaveAccessibleDescription(
        `That recovery code didn't work, or it was already used (each works once). Check it, or try another of your codes. ${RECOVERY_HINT}`,
      ),
    );
  });

  it('checks the code has 6 digits before sending it', async () => {
    const { user } = await passPasswordStep();
    await user.type(screen.getByLabelText('Authenticator code'), '12ab');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(screen.getByLabelText('Authenticator code')).toHaveAccessibleDescription(`Enter the 6-digit code from your authenticator app. ${TOTP_HINT}`);
  });

  it.each(['mfa_challenge_expired', 'mfa_challenge_invalid'])('goes back to the password step on %s, saying why', async (code) => {
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json({ detail: 'Too late.', code }, { status: 400 })));
    const { user } = await passPasswordStep();

    await user.type(screen.getByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByText('The sign-in took too long or was interrupted. Sign in again.')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Two-step verification' })).not.toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
    expect(screen.getByLabelText('Password')).toHaveValue('');
  });

  it('says why it went back in an alert region that was in the page before the message', async () => {
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json({ detail: 'Too late.', code: 'mfa_challenge_expired' }, { status: 400 })));
    const { user } = await passPasswordStep();
    // A live region mounted together with its text is often not announced: the message must go into one already there.
    const regionsBefore = screen.getAllByRole('alert');

    await user.type(screen.getByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    const message = await screen.findByText('The sign-in took too long or was interrupted. Sign in again.');
    expect(regionsBefore).toContain(message.closest('[role="alert"]'));
    await waitFor(() => expect(screen.getByLabelText('Password')).toHaveFocus());
  });

  it('signs in with a recovery code instead', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/mfa/authenticate/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const { user } = await passPasswordStep();

    await user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    expect(screen.queryByLabelText('Authenticator code')).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-ijkl-mnop');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(bodies).toEqual([{ mfa_token: 'challenge-1', recovery_code: 'abcd-efgh-ijkl-mnop' }]);
  });

  it('moves the focus to the new field when the user switches between an app code and a recovery code', async () => {
    const { user } = await passPasswordStep();

    // The pressed button goes with the mode it offered: the focus must not drop to <body>.
    await user.click(screen.getByRole('button', { name: 'Use a recovery code' }));
    await waitFor(() => expect(screen.getByLabelText('Recovery code')).toHaveFocus());

    await user.click(screen.getByRole('button', { name: 'Use your authenticator app' }));
    await waitFor(() => expect(screen.getByLabelText('Authenticator code')).toHaveFocus());
  });

  it('shows the lockout as the password step does', async () => {
    server.use(
      http.post(`${API}/auth/mfa/authenticate/`, () =>
        HttpResponse.json({ detail: 'Locked.', code: 'login_locked' }, { status: 429, headers: { 'Retry-After': '120' } }),
      ),
    );
    const { user } = await passPasswordStep();
    await user.type(screen.getByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByText(/Too many failed attempts to sign in to this account.*Try again in 2 minutes/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Two-step verification' })).toBeInTheDocument();
  });

  it('offers a passkey when the account has one, and keeps the step when the prompt is cancelled', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    const cancelled = Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' });
    vi.mocked(startAuthentication).mockRejectedValueOnce(cancelled).mockResolvedValueOnce(ASSERTION as never);
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/mfa/authenticate/options/`, () => HttpResponse.json({ options: { challenge: 'c', allowCredentials: [] } })),
      http.post(`${API}/auth/mfa/authenticate/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const { user } = await passPasswordStep({ ...CHALLENGE, methods: ['passkey', 'recovery_code'] });

    await user.click(screen.getByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByText(/The passkey prompt was closed or timed out/)).toBeInTheDocument();
    expect(bodies).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Use a passkey' }));
    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(bodies).toEqual([{ mfa_token: 'challenge-1', passkey: ASSERTION }]);
    expect(vi.mocked(startAuthentication)).toHaveBeenLastCalledWith({ optionsJSON: { challenge: 'c', allowCredentials: [] } });
  });

  it('goes back to the password step when asked', async () => {
    const { user } = await passPasswordStep();
    await user.click(screen.getByRole('button', { name: 'Back to email and password' }));
    expect(await screen.findByLabelText('Password')).toBeInTheDocument();
    expect(screen.queryByText(/took too long/)).not.toBeInTheDocument();
  });
});

describe('passwordless sign-in', () => {
  it('is not offered where the browser has no WebAuthn', async () => {
    vi.stubGlobal('PublicKeyCredential', undefined);
    renderApp('/login', { as: 'anonymous' });
    await screen.findByRole('button', { name: 'Sign in' });
    expect(screen.queryByRole('button', { name: 'Continue with a passkey' })).not.toBeInTheDocument();
  });

  it('signs in with a passkey and no password', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    vi.mocked(startAuthentication).mockResolvedValueOnce(ASSERTION as never);
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/passkey/options/`, () => HttpResponse.json({ passkey_token: 'pk-1', options: { challenge: 'c' } })),
      http.post(`${API}/auth/passkey/login/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const app = renderApp('/login?next=%2Faccount', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with a passkey' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(bodies).toEqual([{ passkey_token: 'pk-1', passkey: ASSERTION }]);
    expect(getSession()).toMatchObject({ status: 'authenticated' });
  });

  it.each([
    ['passkey_unknown', 'This passkey is no longer registered here: it was deleted, or its account was.', [{ rpId: 'example.com', credentialId: 'cred-1' }]],
    ['passkey_invalid', 'That passkey could not be verified. Try again, or use another way to sign in.', []],
  ])('a passkey refused as %s: the browser is told to forget it only when the server has no such passkey', async (code, detail, forgotten) => {
    const unknown: unknown[] = [];
    vi.stubGlobal('PublicKeyCredential', Object.assign(function PublicKeyCredential() {}, { signalUnknownCredential: async (options: unknown) => void unknown.push(options) }));
    vi.mocked(startAuthentication).mockResolvedValueOnce(ASSERTION as never);
    server.use(
      http.post(`${API}/auth/passkey/options/`, () => HttpResponse.json({ passkey_token: 'pk-1', options: { challenge: 'c', rpId: 'example.com' } })),
      http.post(`${API}/auth/passkey/login/`, () => HttpResponse.json({ detail, code }, { status: 400 })),
    );
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with a passkey' }));

    expect(await screen.findByText(detail)).toBeInTheDocument();
    expect(unknown).toEqual(forgotten);
    expect(getSession()).toMatchObject({ status: 'anonymous' });
  });
});
