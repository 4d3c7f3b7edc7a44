import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession } from '@/lib/session';
import { tabStorageEntriesForTests } from '@/lib/tab-storage';
import { renderApp } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

describe('register form', () => {
  it('shows the API field errors under their fields', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/register/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(
          { email: ['A user with that email already exists.'], password: ['This password is too common.'] },
          { status: 400 },
        );
      }),
    );
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByText('A user with that email already exists.')).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('A user with that email already exists.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription(
      'This password is too common. At least 8 characters; avoid common passwords.',
    );
    expect(bodies).toEqual([{ name: '', email: 'ada@example.com', password: 'password123' }]);
    expect(getSession().status).not.toBe('authenticated');
  });

  it('sends an address the server accepts though a strict pattern would not, and lets the server judge it', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/register/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ email: ['Enter a valid email address.'] }, { status: 400 });
      }),
    );
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'first&last@example.com');
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Create account' }));

    expect(await screen.findByText('Enter a valid email address.')).toBeInTheDocument(); // the server's answer
    expect(bodies).toEqual([{ name: '', email: 'first&last@example.com', password: 'password123' }]);
  });

  it('checks the fields before sending anything', async () => {
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'not-an-email');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByText('Enter a valid email address.')).toBeInTheDocument();
    expect(screen.getByText('Use at least 8 characters.')).toBeInTheDocument();
  });

  it('when the address must be verified first, describes the heading it moves the focus to by what to do next', async () => {
    // A live region that arrives with its text, as the whole page does, is often not read: the focused heading says it.
    const user = { id: 'u-9', email: 'new@example.com', name: '', date_joined: '2026-12-01T00:00:00Z', email_verified: false };
    server.use(http.post(`${API}/auth/register/`, () => HttpResponse.json({ user, email_verification_required: true }, { status: 202 })));
    renderApp('/register', { as: 'anonymous' });
    const typist = userEvent.setup();

    await typist.type(await screen.findByLabelText('Email'), 'new@example.com');
    await typist.type(screen.getByLabelText('Password'), 'correct horse');
    await typist.click(screen.getByRole('button', { name: 'Create account' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Check your inbox' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(heading).toHaveAccessibleDescription('Your account has been created. We sent a link to new@example.com: open it to verify your address, then sign in.');
  });
});

describe('login form', () => {
  it('describes its heading by the notice it opens with, where the focus lands after a navigation', async () => {
    // A live region that arrives with its text, as the whole page does, is often not read: the focused heading says it.
    const app = renderApp('/forgot-password', { as: 'anonymous' });
    await screen.findByRole('heading', { level: 1, name: 'Reset your password' });

    act(() => void app.router.navigate('/login?notice=password-reset'));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Sign in' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(heading).toHaveAccessibleDescription('Your password has been reset. Sign in with the new one.');
    expect(screen.getByText('Your password has been reset. Sign in with the new one.').closest('[role="status"]')).toBeInTheDocument();

    act(() => void app.router.navigate('/login'));
    await waitFor(() => expect(screen.queryByText('Your password has been reset. Sign in with the new one.')).not.toBeInTheDocument());
    expect(screen.getByRole('heading', { level: 1, name: 'Sign in' })).not.toHaveAccessibleDescription();
  });

  it('shows the API detail for bad credentials, then signs in and goes to next', async () => {
    let attempts = 0;
    server.use(
      http.post(`${API}/auth/login/`, () => {
        attempts += 1;
        return attempts === 1
          ? HttpResponse.json({ detail: 'Invalid email or password.', code: 'authentication_failed' }, { status: 401 })
          : HttpResponse.json({ access: 'a', user: { id: 'u', email: 'ada@example.com', name: 'Ada', date_joined: '2026-01-01T00:00:00Z', email_verified: true } });
      }),
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    const app = renderApp('/login?next=%2Faccount', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    // The form's own alert (the page's toaster has one too).
    expect((await screen.findByText('Invalid email or password.')).closest('[role="alert"]')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Account' })).toBeInTheDocument();
    expect(app.location()).toBe('/account');
  });

  it('marks the email as the username, for password managers and passkey autofill', async () => {
    renderApp('/login', { as: 'anonymous' });
    expect(await screen.findByLabelText('Email')).toHaveAttribute('autocomplete', 'username');
    expect(screen.getByLabelText('Password')).toHaveAttribute('autocomplete', 'current-password');
  });

  it.each(['__proto__', 'constructor', 'toString'])('shows the form and no notice for a link naming ?notice=%s', async (notice) => {
    // A link anyone can send: a name that only Object's prototype has must not reach the page as a notice.
    renderApp(`/login?notice=${notice}`, { as: 'anonymous' });

    expect(await screen.findByLabelText('Password')).toBeInTheDocument();
    expect(screen.queryByText(/went wrong/i)).toBeNull();
    expect(document.body.textContent).not.toMatch(/function|native code|password has been reset|session has ended/);
  });
});

describe('forgot password form', () => {
  it('keeps the focus in the page when the sent form goes: on the new heading, with the message', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/password-reset/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 202 });
      }),
    );
    renderApp('/forgot-password', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));

    const heading = await screen.findByRole('heading', { level: 1, name: 'Check your inbox' });
    expect(heading).toHaveFocus();
    expect(screen.queryByRole('button', { name: 'Send reset link' })).not.toBeInTheDocument();
    expect(screen.getByText(isolating('If an account exists for ada@example.com, an email with a reset link is on its way.', 'ada@example.com')).closest('[role="status"]')).toBeInTheDocument();
    expect(bodies).toEqual([{ email: 'ada@example.com' }]);
  });
});

/** Whether this tab's storage holds `text` anywhere. */
const stored = (text: string) => tabStorageEntriesForTests().some(([, value]) => value.includes(text));

describe('reset password form', () => {
  it('reads uid and token from the fragment, where the server puts them, and takes them out of the address bar', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/password-reset/confirm/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    // (a fragment never reaches a server: not the ingress's request log, nor the Referer of the page's requests)
    const app = renderApp('/reset-password#uid=abc&token=tok-fragment', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('New password'), 'a-new-secret');
    await waitFor(() => expect(app.location()).toBe('/reset-password'));
    await user.type(screen.getByLabelText('Confirm new password'), 'a-new-secret');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));

    await waitFor(() => expect(bodies).toEqual([{ uid: 'abc', token: 'tok-fragment', new_password: 'a-new-secret' }]));
  });

  it('keeps a fragment that is not the link', async () => {
    const app = renderApp('/reset-password?uid=abc&token=tok-1#help', { as: 'anonymous' });

    expect(await screen.findByLabelText('New password')).toBeInTheDocument();
    await waitFor(() => expect(app.location()).toBe('/reset-password#help'));
  });

  it('takes uid and token out of the address bar, still sends them after a reload, and forgets them once used', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${API}/auth/password-reset/confirm/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const first = renderApp('/reset-password?uid=abc&token=tok-reset', { as: 'anonymous' });
    expect(await screen.findByLabelText('New password')).toBeInTheDocument();
    // Replaced, not pushed: no entry of the history has the token; this tab's storage keeps it for a reload.
    await waitFor(() => expect(first.location()).toBe('/reset-password'));
    expect(stored('tok-reset')).toBe(true);

    // A reload: a fresh page at the bare path, which finds the link in this tab's storage.
    first.unmount();
    const app = renderApp('/reset-password', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('New password'), 'a-new-secret');
    await user.type(screen.getByLabelText('Confirm new password'), 'a-new-secret');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));

    expect(await screen.findByText('Your password has been reset. Sign in with the new one.')).toBeInTheDocument();
    expect(app.location()).toBe('/login?notice=password-reset');
    expect(bodies).toEqual([{ uid: 'abc', token: 'tok-reset', new_password: 'a-new-secret' }]);
    expect(stored('tok-reset')).toBe(false);
  });

  it('names the account to password managers when the reset was asked for from this tab (a hidden username field)', async () => {
    server.use(
      http.post(`${API}/auth/password-reset/`, () => new HttpResponse(null, { status: 202 })),
      http.post(`${API}/auth/password-reset/confirm/`, () => new HttpResponse(null, { status: 204 })),
    );
    // Opened from elsewhere (the email, in a new tab): this page does not know the address, and says none.
    const elsewhere = renderApp('/reset-password?uid=abc&token=tok-1', { as: 'anonymous' });
    const form = (await screen.findByLabelText('New password')).closest('form')!;
    expect(form.querySelector('[autocomplete="username"]')).toBeNull();
    elsewhere.unmount();

    const forgot = renderApp('/forgot-password', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Send reset link' }));
    await screen.findByRole('heading', { name: 'Check your inbox' });
    forgot.unmount();

    // The link opened in this tab: the form has the address as its username (before the new-password fields).
    const here = renderApp('/reset-password?uid=abc&token=tok-2', { as: 'anonymous' });
    const password = await screen.findByLabelText('New password');
    const username = password.closest('form')!.querySelector('input[autocomplete="username"]');
    expect(username).toHaveValue('ada@example.com');
    expect(username).toHaveAttribute('name', 'username');
    expect(username).not.toBeVisible();
    expect(username!.compareDocumentPosition(password) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    await user.type(password, 'a-new-secret');
    await user.type(screen.getByLabelText('Confirm new password'), 'a-new-secret');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));
    await waitFor(() => expect(here.location()).toBe('/login?notice=password-reset'));
    // Done: the address is not kept.
    expect(stored('ada@example.com')).toBe(false);
  });

  it('reports a used or expired link, offers a new one and shows password errors from the API', async () => {
    server.use(
      http.post(`${API}/auth/password-reset/confirm/`, () =>
        HttpResponse.json({ token: ['Invalid or expired link.'], new_password: ['This password is too short.'] }, { status: 400 }),
      ),
    );
    renderApp('/reset-password?uid=abc&token=def', { as: 'anonymous' });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('New password'), 'abcdefgh');
    await user.type(screen.getByLabelText('Confirm new password'), 'abcdefgh');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));

    expect((await screen.findByText('This reset link is invalid, expired or already used. Request a new one below.')).closest('[role="alert"]')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Request a new link' })).toHaveAttribute('href', '/forgot-password');
    expect(screen.getByLabelText('New password')).toHaveAccessibleDescription('This password is too short.');
    // Refused as a link: this tab's storage does not keep it.
    await waitFor(() => expect(stored('def')).toBe(false));
  });
});
