import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { getSession, resetSessionForTests } from '@/lib/session';
import { tabStorageEntriesForTests } from '@/lib/tab-storage';
import { resetSingleUseLinksForTests } from '@/lib/use-single-use-link';
import { user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

function answerVerify(answer: () => Response) {
  const tokens: unknown[] = [];
  server.use(
    http.post(`${API}/auth/email/verify/`, async ({ request }) => {
      tokens.push(await request.json());
      return answer();
    }),
  );
  return tokens;
}

/** Whether this tab's storage holds `text` anywhere. */
const stored = (text: string) => tabStorageEntriesForTests().some(([, value]) => value.includes(text));

function answerResend(answer: () => Response = () => new HttpResponse(null, { status: 202 })) {
  const bodies: unknown[] = [];
  server.use(
    http.post(`${API}/auth/email/verify/resend/`, async ({ request }) => {
      bodies.push(await request.json());
      return answer();
    }),
  );
  return bodies;
}

describe('verify email page', () => {
  it('sends the token once under StrictMode and says the address is verified', async () => {
    const tokens = answerVerify(() => HttpResponse.json({ email: 'ada@example.com', email_verified: true }));
    renderApp('/verify-email?token=tok-1', { as: 'anonymous', strict: true });

    expect(await screen.findByRole('heading', { level: 1, name: 'Email verified' })).toBeInTheDocument();
    expect(screen.getByText(isolating('ada@example.com is verified. Thank you.', 'ada@example.com')).closest('[role="status"]')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    expect(document.title).toBe('Email verified · Scalable Auth Dashboard');
    // Give a second request every chance to be made.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tokens).toEqual([{ token: 'tok-1' }]);
  });

  it('sends the link again when it is opened again in the same tab, where only its fragment changes the URL', async () => {
    let answers = 0;
    const tokens = answerVerify(() =>
      answers++ === 0
        ? HttpResponse.json({ email: 'ada@example.com', email_verified: true })
        : HttpResponse.json({ detail: 'This link has already been used.', code: 'link_invalid' }, { status: 400 }),
    );
    const app = renderApp('/verify-email#token=tok-again', { as: 'anonymous', strict: true });
    expect(await screen.findByRole('heading', { level: 1, name: 'Email verified' })).toBeInTheDocument();
    await waitFor(() => expect(app.location()).toBe('/verify-email'));

    // The same link, opened again in this tab: the document stays, and only the history gets a new entry
    await app.router.navigate('/verify-email#token=tok-again');

    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(tokens).toEqual([{ token: 'tok-again' }, { token: 'tok-again' }]);
  });

  it('marks the signed-in account verified and leads to the account page', async () => {
    answerVerify(() => HttpResponse.json({ email: 'ada@example.com', email_verified: true }));
    resetSessionForTests({ status: 'authenticated', user: { ...ada, email_verified: false } });
    renderApp('/verify-email?token=tok-2', { as: 'restoring' });

    expect(await screen.findByRole('heading', { name: 'Email verified' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your account' })).toHaveAttribute('href', '/account');
    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: { ...ada, email_verified: true } }));
  });

  it('offers a new link when it has expired, checking the address first', async () => {
    const tokens = answerVerify(() => HttpResponse.json({ detail: 'This link has expired.', code: 'link_expired' }, { status: 400 }));
    const resent = answerResend();
    renderApp('/verify-email?token=old', { as: 'anonymous' });
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { name: 'This link has expired' })).toBeInTheDocument();
    await user.type(screen.getByLabelText('Email'), 'not-an-address');
    await user.click(screen.getByRole('button', { name: 'Send a new link' }));
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address.');
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(resent).toEqual([]);

    await user.clear(screen.getByLabelText('Email'));
    await user.type(screen.getByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Send a new link' }));
    expect(await screen.findByText(isolating('If ada@example.com still needs verifying, a new link is on its way to it.', 'ada@example.com'))).toBeInTheDocument();
    expect(resent).toEqual([{ email: 'ada@example.com' }]);
    expect(tokens).toHaveLength(1);
  });

  it('says how long to wait when new links are rate limited', async () => {
    answerVerify(() => HttpResponse.json({ detail: 'This link has expired.', code: 'link_expired' }, { status: 400 }));
    answerResend(() => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429, headers: { 'Retry-After': '120' } }));
    renderApp('/verify-email?token=old-2', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Send a new link' }));
    expect(await screen.findByText('Too many links were asked for. Try again in 2 minutes.')).toBeInTheDocument();
  });

  it('explains an invalid or used link', async () => {
    answerVerify(() => HttpResponse.json({ detail: 'This link is not valid.', code: 'link_invalid' }, { status: 400 }));
    renderApp('/verify-email?token=bad', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'This link does not work' })).toBeInTheDocument();
    expect(screen.getByText(/invalid or has already been used/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send a new link' })).toBeInTheDocument();
  });

  it('says a link without its token is incomplete, and sends nothing', async () => {
    renderApp('/verify-email', { as: 'anonymous' });
    expect(await screen.findByText(/This link is incomplete/)).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Verify your email' })).toBeInTheDocument();
  });

  it('sends the link again after a failure that did not use it up', async () => {
    let calls = 0;
    answerVerify(() => {
      calls += 1;
      return calls === 1
        ? HttpResponse.json({ detail: 'Server error.', code: 'server_error' }, { status: 500 })
        : HttpResponse.json({ email: 'ada@example.com', email_verified: true });
    });
    renderApp('/verify-email?token=tok-3', { as: 'anonymous' });
    const user = userEvent.setup();

    expect(await screen.findByText('The link could not be checked. Server error.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    // The button is gone with the failure: the focus is on the page's heading, not dropped to <body>.
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
    expect(await screen.findByRole('heading', { name: 'Email verified' })).toHaveFocus();
    expect(calls).toBe(2);
  });

  it('takes the token out of the address bar, still sends it after a reload, and forgets it once used', async () => {
    let calls = 0;
    const tokens = answerVerify(() => {
      calls += 1;
      return calls === 1
        ? HttpResponse.json({ detail: 'Server error.', code: 'server_error' }, { status: 500 })
        : HttpResponse.json({ email: 'ada@example.com', email_verified: true });
    });
    const first = renderApp('/verify-email?token=tok-hidden', { as: 'anonymous' });

    expect(await screen.findByText('The link could not be checked. Server error.')).toBeInTheDocument();
    // Replaced, not pushed: no entry of the history has the token; this tab's storage keeps it for a reload.
    // Waited for: the page's effect replaces the URL with a navigation (a transition), which can commit after the
    // answer shows when the page's chunk loaded outside act (this test run first or alone, on a busy machine).
    await waitFor(() => expect(first.location()).toBe('/verify-email'));
    expect(stored('tok-hidden')).toBe(true);

    // A reload: a fresh page at the bare path, which finds the token in this tab's storage.
    first.unmount();
    resetSingleUseLinksForTests();
    const reloaded = renderApp('/verify-email', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'Email verified' })).toBeInTheDocument();
    expect(reloaded.location()).toBe('/verify-email');
    expect(tokens).toEqual([{ token: 'tok-hidden' }, { token: 'tok-hidden' }]);
    await waitFor(() => expect(stored('tok-hidden')).toBe(false));

    // Reloaded once more, after the link worked: it says so, not that the link is incomplete, and sends nothing.
    reloaded.unmount();
    resetSingleUseLinksForTests();
    renderApp('/verify-email', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'This link has been used' })).toBeInTheDocument();
    expect(screen.getByText(/If your address is verified, there is nothing left to do/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    expect(screen.queryByText(/This link is incomplete/)).not.toBeInTheDocument();
    expect(tokens).toHaveLength(2);
  });

  it('forgets a token the server refused, and says why again after a reload', async () => {
    const tokens = answerVerify(() => HttpResponse.json({ detail: 'This link has expired.', code: 'link_expired' }, { status: 400 }));
    const app = renderApp('/verify-email?token=tok-old', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'This link has expired' })).toBeInTheDocument();
    await waitFor(() => expect(app.location()).toBe('/verify-email')); // as above
    await waitFor(() => expect(stored('tok-old')).toBe(false));

    app.unmount();
    resetSingleUseLinksForTests();
    renderApp('/verify-email', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'This link has expired' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send a new link' })).toBeInTheDocument();
    expect(tokens).toHaveLength(1);
  });

  it('opens a new link normally after an earlier one was used in this tab', async () => {
    const tokens = answerVerify(() => HttpResponse.json({ email: 'ada@example.com', email_verified: true }));
    const first = renderApp('/verify-email?token=tok-a', { as: 'anonymous' });
    expect(await screen.findByRole('heading', { name: 'Email verified' })).toBeInTheDocument();
    await waitFor(() => expect(stored('tok-a')).toBe(false));
    first.unmount();

    renderApp('/verify-email?token=tok-b', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'Email verified' })).toBeInTheDocument();
    expect(tokens).toEqual([{ token: 'tok-a' }, { token: 'tok-b' }]);
  });
});
