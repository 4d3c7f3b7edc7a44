import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { getSession } from '@/lib/session';
import { tabStorageEntriesForTests } from '@/lib/tab-storage';
import { user as ada } from '@/testing/fixtures';
import { resetSingleUseLinksForTests } from '@/lib/use-single-use-link';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';

const CHANGED = { ...ada, email: 'ada@new.example', email_verified: true };

function answerConfirm(answer: () => Response) {
  const tokens: unknown[] = [];
  server.use(
    http.post(`${API}/auth/email/change/confirm/`, async ({ request }) => {
      tokens.push(await request.json());
      return answer();
    }),
  );
  return tokens;
}

/** Whether this tab's storage holds `text` anywhere. */
const stored = (text: string) => tabStorageEntriesForTests().some(([, value]) => value.includes(text));

const refusal = (code: string) => () => HttpResponse.json({ detail: 'No.', code }, { status: 400 });

describe('confirm email change page', () => {
  it('sends the token once under StrictMode and gives the new address, signed out', async () => {
    const tokens = answerConfirm(() => HttpResponse.json({ user: CHANGED }));
    renderApp('/confirm-email-change?token=c-1', { as: 'anonymous', strict: true });

    expect(await screen.findByRole('heading', { level: 1, name: 'Email changed' })).toBeInTheDocument();
    expect(screen.getByText(isolating('Your email is now ada@new.example. Use it to sign in from now on.', 'ada@new.example'))).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/login');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tokens).toEqual([{ token: 'c-1' }]);
  });

  it('updates what a signed-in tab shows of the account', async () => {
    answerConfirm(() => HttpResponse.json({ user: CHANGED }));
    renderApp('/confirm-email-change?token=c-2');

    expect(await screen.findByText(isolating(/Your email is now ada@new.example/, 'ada@new.example'))).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your account' })).toBeInTheDocument();
    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: CHANGED }));
  });

  it('given the tab cached the pending change, sessions and activity, when the change is confirmed, then it reads each again', async () => {
    answerConfirm(() => HttpResponse.json({ user: CHANGED }));
    // Cached by the account page earlier, none shown now: invalidated, each is read again when next shown.
    const cached = [queryKeys.pendingEmailChange, queryKeys.sessions, [...queryKeys.activity, { page: 1 }], queryKeys.mfa] as const;
    for (const queryKey of cached) queryClient.setQueryData(queryKey, { cached: true });
    renderApp('/confirm-email-change#token=c-cached');

    expect(await screen.findByRole('heading', { name: 'Email changed' })).toBeInTheDocument();
    const invalidated = () => cached.map((queryKey) => queryClient.getQueryState(queryKey)?.isInvalidated);
    // The server ended the pending change, revoked the other sessions and recorded the change; the second factors
    // did not change.
    await waitFor(() => expect(invalidated()).toEqual([true, true, true, false]));
  });

  it('leaves another signed-in account as it was', async () => {
    answerConfirm(() => HttpResponse.json({ user: { ...CHANGED, id: 'u-other' } }));
    renderApp('/confirm-email-change?token=c-3');

    expect(await screen.findByRole('heading', { name: 'Email changed' })).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
  });

  it('tries again after a failure that did not use the link up, keeping the focus in the page', async () => {
    let calls = 0;
    answerConfirm(() => {
      calls += 1;
      return calls === 1 ? HttpResponse.json({ detail: 'Server error.', code: 'server_error' }, { status: 500 }) : HttpResponse.json({ user: CHANGED });
    });
    renderApp('/confirm-email-change?token=c-4', { as: 'anonymous' });
    const user = userEvent.setup();

    expect(await screen.findByText('The link could not be checked. Server error.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    // The button is gone with the failure: the focus is on the page's heading, not dropped to <body>.
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveFocus();
    expect(await screen.findByRole('heading', { name: 'Email changed' })).toHaveFocus();
    expect(calls).toBe(2);
  });

  it.each([
    ['link_expired', 'This link has expired', /ask for the change again from your account page/],
    ['link_invalid', 'This link does not work', /invalid, has already been used, or was cancelled/],
    ['email_taken', 'That address is taken', /Another account uses this address now/],
  ])('explains %s with a way forward', async (code, heading, text) => {
    answerConfirm(refusal(code));
    renderApp('/confirm-email-change?token=bad', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: heading })).toBeInTheDocument();
    expect(screen.getByText(text).closest('[role="alert"]')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Your account' })).toHaveAttribute('href', '/account');
  });

  it('takes the token out of the address bar and forgets it once the change is confirmed', async () => {
    let release: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const tokens: unknown[] = [];
    server.use(
      http.post(`${API}/auth/email/change/confirm/`, async ({ request }) => {
        tokens.push(await request.json());
        await answered;
        return HttpResponse.json({ user: CHANGED });
      }),
    );
    const app = renderApp('/confirm-email-change?token=c-hidden', { as: 'anonymous' });

    // While the request is on its way: the URL has no token, this tab's storage has it (for a reload).
    await waitFor(() => expect(tokens).toEqual([{ token: 'c-hidden' }]));
    // Waited for: the page's effect replaces the URL with a navigation (a transition), which can commit after the
    // request is made when the page's chunk loaded outside act (this test run first or alone, on a busy machine).
    await waitFor(() => expect(app.location()).toBe('/confirm-email-change'));
    expect(stored('c-hidden')).toBe(true);

    release();
    expect(await screen.findByRole('heading', { name: 'Email changed' })).toBeInTheDocument();
    await waitFor(() => expect(stored('c-hidden')).toBe(false));

    // A reload after the change: the link was used, which the page says, sending nothing.
    app.unmount();
    resetSingleUseLinksForTests();
    renderApp('/confirm-email-change', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'This link has been used' })).toBeInTheDocument();
    expect(screen.getByText(/sign in with your new address from now on/)).toBeInTheDocument();
    expect(screen.queryByText(/This link is incomplete/)).not.toBeInTheDocument();
    expect(tokens).toHaveLength(1);
  });

  it('forgets a token the server refused, and says why again after a reload', async () => {
    const tokens = answerConfirm(refusal('email_taken'));
    const app = renderApp('/confirm-email-change?token=c-bad', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'That address is taken' })).toBeInTheDocument();
    await waitFor(() => expect(app.location()).toBe('/confirm-email-change')); // as above
    await waitFor(() => expect(stored('c-bad')).toBe(false));

    app.unmount();
    resetSingleUseLinksForTests();
    renderApp('/confirm-email-change', { as: 'anonymous' });

    expect(await screen.findByRole('heading', { name: 'That address is taken' })).toBeInTheDocument();
    expect(tokens).toHaveLength(1);
  });
});
