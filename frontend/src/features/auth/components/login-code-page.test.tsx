import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession } from '@/lib/session';
import { user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';
import { NOT_AVAILABLE, WRONG_CODE } from '@/features/auth/components/login-code-page';

const SIGNED_IN = { access: 'access-code', user: ada };
const CHALLENGE = { mfa_required: true, mfa_token: 'challenge-1', methods: ['totp'], expires_at: '2026-12-05T10:05:00Z' };
// The server's one answer to any refused code (backend/mfa/errors.py).
const REFUSED = {
  detail: 'That code is not right, or it is no longer valid (it expired, was used, or a newer one was sent). Check the latest email, or ask for a new code.',
  code: 'login_code_invalid',
};

/** What POST /auth/login/code/ answers: a new token each time, the code lasting 10 minutes from now. */
function codeRequests(answer?: () => Response) {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${API}/auth/login/code/`, async ({ request }) => {
      bodies.push(await request.json());
      const expires_at = new Date(Date.now() + 600_000).toISOString();
      return answer?.() ?? HttpResponse.json({ login_token: `token-${bodies.length}`, expires_at }, { status: 202 });
    }),
  );
  return bodies;
}

function codeConfirmations(answer: () => Response) {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${API}/auth/login/code/confirm/`, async ({ request }) => {
      bodies.push(await request.json());
      return answer();
    }),
  );
  return bodies;
}

/** The pages a successful sign-in lands on (next=/account), answered so that nothing is left unhandled. */
function accountPageHandlers() {
  return [
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
  ];
}

/** The code page at its email step, the address typed and sent: the code step shows. */
async function passEmailStep(path = '/login/code?next=%2Faccount') {
  const app = renderApp(path, { as: 'anonymous' });
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await user.click(screen.getByRole('button', { name: 'Email me a code' }));
  const heading = await screen.findByRole('heading', { name: 'Check your email' });
  return { app, user, heading };
}

describe('sign-in with an emailed code', () => {
  it('shows a refused code on the field, focused, and keeps the step', async () => {
    codeRequests();
    codeConfirmations(() => HttpResponse.json(REFUSED, { status: 400 }));
    const { user } = await passEmailStep();

    await user.type(screen.getByLabelText('Sign-in code'), '1111 2222');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const field = screen.getByLabelText('Sign-in code');
    await waitFor(() => expect(field).toHaveAccessibleDescription(`${WRONG_CODE} The 8 digits in the email, with or without the space.`));
    expect(field).toHaveAttribute('aria-invalid', 'true');
    await waitFor(() => expect(field).toHaveFocus());
    expect(screen.getByRole('heading', { name: 'Check your email' })).toBeInTheDocument();
    expect(getSession().status).toBe('anonymous');
  });

  it('checks the code has 8 digits before sending it', async () => {
    codeRequests();
    const confirmations = codeConfirmations(() => HttpResponse.json(SIGNED_IN));
    const { user } = await passEmailStep();

    await user.type(screen.getByLabelText('Sign-in code'), '1234 56ab');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(screen.getByLabelText('Sign-in code')).toHaveAccessibleDescription(
      'Enter the 8-digit code from the email. The 8 digits in the email, with or without the space.',
    );
    expect(confirmations).toEqual([]);
  });

  it('says sign-in by code is not available when the server has it turned off (404), pointing to the password', async () => {
    codeRequests(() => HttpResponse.json({ detail: 'Not found.', code: 'not_found' }, { status: 404 }));
    renderApp('/login/code', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a code' }));

    expect(await screen.findByText(NOT_AVAILABLE)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in with your password' })).toHaveAttribute('href', '/login');
    expect(screen.queryByLabelText('Sign-in code')).not.toBeInTheDocument();
  });

  it('says how long to wait when too many codes were asked for (429)', async () => {
    codeRequests(() => HttpResponse.json({ detail: 'Request was throttled.', code: 'throttled' }, { status: 429, headers: { 'Retry-After': '300' } }));
    renderApp('/login/code', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a code' }));

    expect(await screen.findByText('Too many codes were asked for. Try again in 5 minutes.')).toBeInTheDocument();
  });

  it('shows the lockout of wrong codes as the password step does, with the reset', async () => {
    codeRequests();
    codeConfirmations(() => HttpResponse.json({ detail: 'Locked.', code: 'login_locked' }, { status: 429, headers: { 'Retry-After': '120' } }));
    const { user } = await passEmailStep();

    await user.type(screen.getByLabelText('Sign-in code'), '12345678');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText(/Too many failed attempts to sign in to this account.*Try again in 2 minutes/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Reset your password' })).toHaveAttribute('href', '/forgot-password');
  });

  it('checks the address before asking for a code, and shows the server\'s field error on it', async () => {
    const requests = codeRequests(() => HttpResponse.json({ email: ['Enter a valid email address.'] }, { status: 400 }));
    renderApp('/login/code', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Email me a code' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(requests).toEqual([]);

    await user.type(screen.getByLabelText('Email'), 'ada@example');
    await user.click(screen.getByRole('button', { name: 'Email me a code' }));
    await waitFor(() => expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address.'));
    await waitFor(() => expect(screen.getByLabelText('Email')).toHaveFocus());
  });

  it('is offered on the sign-in page, carrying the address typed and the next page, and signs in to it with the code', async () => {
    const requests = codeRequests();
    const confirmations = codeConfirmations(() => HttpResponse.json(SIGNED_IN));
    server.use(...accountPageHandlers());
    const app = renderApp('/login?next=%2Faccount', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('link', { name: 'Email me a sign-in code' }));

    expect(await screen.findByRole('heading', { name: 'Sign in with a code' })).toBeInTheDocument();
    expect(app.location()).toBe('/login/code?next=%2Faccount');
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Email me a code' }));

    const heading = await screen.findByRole('heading', { name: 'Check your email' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByText(isolating('If an account has the address ada@example.com, we sent it a sign-in code. It expires in 10 minutes.', 'ada@example.com'))).toBeInTheDocument();
    const code = screen.getByLabelText('Sign-in code');
    expect(code).toHaveAttribute('inputmode', 'numeric');
    expect(code).toHaveAttribute('autocomplete', 'one-time-code');

    // As the email shows it, with its space; or with a hyphen: both are the 8 digits.
    await user.type(code, '1234 5678');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(requests).toEqual([{ email: 'ada@example.com' }]);
    expect(confirmations).toEqual([{ login_token: 'token-1', code: '12345678' }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
  });

  it('"Send a new code" asks again and uses the new token, starting the code afresh', async () => {
    const requests = codeRequests();
    const confirmations = codeConfirmations(() => HttpResponse.json(SIGNED_IN));
    server.use(...accountPageHandlers());
    const { user } = await passEmailStep();
    await user.type(screen.getByLabelText('Sign-in code'), '1111');

    const resend = screen.getByRole('button', { name: 'Send a new code' });
    await user.click(resend);

    expect(await screen.findByText(isolating('A new code is on its way to ada@example.com. The one sent before no longer works.', 'ada@example.com'))).toBeInTheDocument();
    expect(screen.getByLabelText('Sign-in code')).toHaveValue('');
    expect(resend).toHaveFocus();
    await user.type(screen.getByLabelText('Sign-in code'), '8765-4321');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(requests).toEqual([{ email: 'ada@example.com' }, { email: 'ada@example.com' }]);
    expect(confirmations).toEqual([{ login_token: 'token-2', code: '87654321' }]);
  });

  it('asks for the second factor after the code when the account has one (202), and signs in with it', async () => {
    codeRequests();
    codeConfirmations(() => HttpResponse.json(CHALLENGE, { status: 202 }));
    const second: unknown[] = [];
    server.use(
      http.post(`${API}/auth/mfa/authenticate/`, async ({ request }) => {
        second.push(await request.json());
        return HttpResponse.json(SIGNED_IN);
      }),
      ...accountPageHandlers(),
    );
    const { app, user } = await passEmailStep();
    await user.type(screen.getByLabelText('Sign-in code'), '12345678');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const heading = await screen.findByRole('heading', { name: 'Two-step verification' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(getSession().status).toBe('anonymous');
    expect(screen.getByText(isolating('Signing in as ada@example.com.', 'ada@example.com'))).toBeInTheDocument();
    await user.type(screen.getByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
    expect(second).toEqual([{ mfa_token: 'challenge-1', code: '123456' }]);
    expect(getSession()).toMatchObject({ status: 'authenticated', user: ada });
  });

  it('the second step\'s way back leads to the password, with the address; an expired one to a new code, saying why', async () => {
    codeRequests();
    codeConfirmations(() => HttpResponse.json(CHALLENGE, { status: 202 }));
    server.use(http.post(`${API}/auth/mfa/authenticate/`, () => HttpResponse.json({ detail: 'Too late.', code: 'mfa_challenge_expired' }, { status: 400 })));
    const { app, user } = await passEmailStep();
    await user.type(screen.getByLabelText('Sign-in code'), '12345678');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await user.type(await screen.findByLabelText('Authenticator code'), '123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByText('The sign-in took too long or was interrupted. Sign in again.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByLabelText('Email')).toHaveFocus());
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');

    await user.click(screen.getByRole('button', { name: 'Email me a code' }));
    await user.type(await screen.findByLabelText('Sign-in code'), '12345678');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await user.click(await screen.findByRole('button', { name: 'Back to email and password' }));

    expect(await screen.findByLabelText('Password')).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Faccount');
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');
  });

  it('goes back to the address with "Use another email address", its field focused', async () => {
    codeRequests();
    const { user } = await passEmailStep();

    await user.click(screen.getByRole('button', { name: 'Use another email address' }));

    const email = screen.getByLabelText('Email');
    await waitFor(() => expect(email).toHaveFocus());
    expect(email).toHaveValue('ada@example.com');
    expect(screen.queryByLabelText('Sign-in code')).not.toBeInTheDocument();
  });

  it('leads back to the password sign-in with the address typed', async () => {
    codeRequests();
    const { app, user } = await passEmailStep();

    await user.click(screen.getByRole('link', { name: 'Sign in with your password' }));

    expect(await screen.findByLabelText('Password')).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Faccount');
    expect(screen.getByLabelText('Email')).toHaveValue('ada@example.com');
  });
});
