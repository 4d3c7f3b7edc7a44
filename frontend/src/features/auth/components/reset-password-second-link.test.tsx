import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { tabStorageEntriesForTests } from '@/lib/tab-storage';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const REFUSED = 'This reset link is invalid, expired or already used. Request a new one below.';

/** Whether this tab's storage holds `text` anywhere. */
const stored = (text: string) => tabStorageEntriesForTests().some(([, value]) => value.includes(text));

/** Answers the reset: `tok-A` refused as a link (once `hold` resolves), anything else done. */
function answerReset(hold: Promise<void> = Promise.resolve()) {
  const tokens: string[] = [];
  server.use(
    http.post(`${API}/auth/password-reset/confirm/`, async ({ request }) => {
      const { token } = (await request.json()) as { token: string };
      tokens.push(token);
      if (token !== 'tok-A') return new HttpResponse(null, { status: 204 });
      await hold;
      return HttpResponse.json({ token: ['Invalid or expired link.'] }, { status: 400 });
    }),
  );
  return tokens;
}

async function submitNewPassword(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText('New password'), 'a-new-secret');
  await user.type(screen.getByLabelText('Confirm new password'), 'a-new-secret');
  await user.click(screen.getByRole('button', { name: 'Set new password' }));
}

describe('reset password page, a second link opened in the same tab', () => {
  it('given link A refused as expired, when link B is opened in the same tab and submitted, then the refusal is gone and B is sent', async () => {
    const tokens = answerReset();
    const app = renderApp('/reset-password#uid=abc&token=tok-A', { as: 'anonymous' });
    const user = userEvent.setup();
    await submitNewPassword(user);
    expect(await screen.findByText(REFUSED)).toBeInTheDocument();

    // The newer email's link, opened in this tab: only the fragment changes (the same document).
    await act(async () => {
      await app.router.navigate('/reset-password#uid=abc&token=tok-B');
    });
    await waitFor(() => expect(app.location()).toBe('/reset-password'));
    expect(screen.queryByText(REFUSED)).not.toBeInTheDocument();
    expect(stored('tok-B')).toBe(true);

    await submitNewPassword(user);

    await waitFor(() => expect(app.location()).toBe('/login?notice=password-reset'));
    expect(tokens).toEqual(['tok-A', 'tok-B']);
    expect(stored('tok-B')).toBe(false);
  });

  it('given link A sent and unanswered, when link B is opened and then A is refused, then B is kept in this tab and its form shows no refusal', async () => {
    let release: () => void = () => undefined;
    const tokens = answerReset(new Promise<void>((resolve) => (release = resolve)));
    const app = renderApp('/reset-password#uid=abc&token=tok-A', { as: 'anonymous' });
    const user = userEvent.setup();
    await submitNewPassword(user);
    await waitFor(() => expect(tokens).toEqual(['tok-A']));

    await act(async () => {
      await app.router.navigate('/reset-password#uid=abc&token=tok-B');
    });
    await waitFor(() => expect(stored('tok-B')).toBe(true));
    // A's refusal arrives after B was opened: it is about A, which this page no longer holds.
    release();
    await waitFor(() => expect(queryClient.isMutating()).toBe(0));

    expect(screen.queryByText(REFUSED)).not.toBeInTheDocument();
    expect(stored('tok-B')).toBe(true);
    expect(screen.getByLabelText('New password')).toHaveValue('');
  });
});
