import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession } from '@/lib/session';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

const UNVERIFIED = { id: 'u-9', email: 'new@example.com', name: '', date_joined: '2026-12-01T00:00:00Z', email_verified: false };

function answerResend() {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${API}/auth/email/verify/resend/`, async ({ request }) => {
      bodies.push(await request.json());
      return new HttpResponse(null, { status: 202 });
    }),
  );
  return bodies;
}

async function signIn(email = 'new@example.com', password = 'correct horse') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return user;
}

describe('registration when the address must be verified first', () => {
  it('shows "check your inbox" with a resend button, and does not sign in', async () => {
    server.use(http.post(`${API}/auth/register/`, () => HttpResponse.json({ user: UNVERIFIED, email_verification_required: true }, { status: 202 })));
    const resent = answerResend();
    const app = renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'new@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Check your inbox' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(document.title).toBe('Check your inbox · Scalable Auth Dashboard');
    expect(screen.getByText(isolating(/We sent a link to new@example.com/, 'new@example.com'))).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'none' });
    expect(app.location()).toBe('/register');

    await user.click(screen.getByRole('button', { name: 'Resend the link' }));
    expect(await screen.findByText(isolating(/A new link is on its way to new@example.com/, 'new@example.com'))).toBeInTheDocument();
    expect(resent).toEqual([{ email: 'new@example.com' }]);
  });

  it('still signs in at once when the server does not ask for verification (201)', async () => {
    server.use(
      http.post(`${API}/auth/register/`, () => HttpResponse.json({ access: 'a-1', user: UNVERIFIED }, { status: 201 })),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
    );
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'new@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: UNVERIFIED }));
  });
});

describe('sign-in refusals', () => {
  it('explains an unverified address and resends the link to it', async () => {
    server.use(
      http.post(`${API}/auth/login/`, () =>
        HttpResponse.json({ detail: 'Verify your email address first.', code: 'email_not_verified' }, { status: 403 }),
      ),
    );
    const resent = answerResend();
    renderApp('/login', { as: 'anonymous' });
    const user = await signIn();

    expect(await screen.findByText(/Your email address is not verified yet/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Resend the link' }));
    expect(await screen.findByText(isolating(/A new link is on its way to new@example.com/, 'new@example.com'))).toBeInTheDocument();
    expect(resent).toEqual([{ email: 'new@example.com' }]);
    expect(getSession().status).toBe('anonymous');
  });

  it('says how long a locked sign-in lasts and links to the password reset', async () => {
    server.use(
      http.post(`${API}/auth/login/`, () =>
        HttpResponse.json(
          { detail: 'Too many failed sign-ins.', code: 'login_locked' },
          { status: 429, headers: { 'Retry-After': '900' } },
        ),
      ),
    );
    renderApp('/login', { as: 'anonymous' });
    await signIn('ada@example.com', 'wrong');

    const message = await screen.findByText(/Too many failed attempts to sign in to this account/);
    expect(message).toHaveTextContent('Try again in 15 minutes, or reset your password to sign in at once.');
    expect(message.closest('[role="alert"]')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Reset your password' })).toHaveAttribute('href', '/forgot-password');
  });

  it('still words a lock without Retry-After', async () => {
    server.use(http.post(`${API}/auth/login/`, () => HttpResponse.json({ detail: 'Locked.', code: 'login_locked' }, { status: 429 })));
    renderApp('/login', { as: 'anonymous' });
    await signIn('ada@example.com', 'wrong');

    expect(await screen.findByText(/Try again later, or reset your password to sign in at once\./)).toBeInTheDocument();
  });
});
