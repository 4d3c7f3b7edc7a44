import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { endSession, getSession } from '@/lib/session';
import { beforeSignOut } from '@/lib/sign-out';
import { isolating } from '@/testing/isolating';
import { renderApp, renderSignedIn } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';
import { SessionsPanel } from '@/features/account/components/sessions-panel';
import { formatDateTime } from '@/lib/format';

const LAPTOP = {
  id: 's-laptop',
  created_at: '2026-11-20T08:00:00Z',
  last_used_at: new Date().toISOString(),
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36',
  ip_address: '10.0.0.5',
  current: true,
  amr: ['pwd', 'otp'],
  aal: 2,
};
const PHONE = {
  id: 's-phone',
  created_at: '2026-11-19T08:00:00Z',
  last_used_at: '2026-11-19T09:00:00Z',
  user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile Safari/604.1',
  ip_address: '192.0.2.7',
  current: false,
  amr: ['passkey'],
  aal: 2,
};

describe('sessions panel', () => {
  it('lists each session with device, IP, last use and marks this device', async () => {
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])));
    renderSignedIn(<SessionsPanel />);

    const rows = await screen.findAllByTestId('session-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('Chrome on Linux')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('This device')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('IP 10.0.0.5')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('just now')).toBeInTheDocument();
    expect(within(rows[0]!).queryByRole('button', { name: /Revoke/ })).not.toBeInTheDocument();
    expect(within(rows[1]!).getByText('Safari on iOS')).toBeInTheDocument();
    expect(within(rows[1]!).queryByText('This device')).not.toBeInTheDocument();
    expect(within(rows[1]!).getByText('IP 192.0.2.7')).toBeInTheDocument();
  });

  it('says how each session was signed in', async () => {
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])));
    renderSignedIn(<SessionsPanel />);

    const rows = await screen.findAllByTestId('session-row');
    expect(within(rows[0]!).getByText('Password + authenticator app')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Passkey')).toBeInTheDocument();
  });

  it('given a session at a level this build does not know (aal 3, from a later server), when listed, then it shows like the others', async () => {
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, { ...PHONE, aal: 3 }])));
    renderSignedIn(<SessionsPanel />);

    const rows = await screen.findAllByTestId('session-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[1]!).getByText('Safari on iOS')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Passkey')).toBeInTheDocument();
  });

  it('revokes one session after a confirmation, says so, and shows the list without it', async () => {
    let sessions = [LAPTOP, PHONE];
    const deleted: string[] = [];
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json(sessions)),
      http.delete(`${API}/auth/sessions/:id/`, ({ params }) => {
        deleted.push(String(params.id));
        sessions = sessions.filter((session) => session.id !== params.id);
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: /^Revoke Safari on iOS/ }));
    const dialog = screen.getByRole('alertdialog', { name: 'Revoke this session?' });
    expect(dialog).toHaveTextContent('Safari on iOS (IP 192.0.2.7');
    // The device is named from the user agent, which may be anyone's text: isolated, it cannot reorder the sentence.
    expect(within(dialog).getByText(isolating(/^Safari on iOS \(IP 192\.0\.2\.7/, 'Safari on iOS'))).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(deleted).toEqual([]);

    await user.click(screen.getByRole('button', { name: /^Revoke Safari on iOS/ }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));

    expect(await screen.findByText(isolating('Signed out Safari on iOS.', 'Safari on iOS'))).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('session-row')).toHaveLength(1));
    expect(screen.queryByText('Safari on iOS', { selector: '.session__device' })).not.toBeInTheDocument();
    expect(deleted).toEqual(['s-phone']);
  });

  it('after a revoke, the focus goes to the next row\'s Revoke, else the previous row\'s, else the heading', async () => {
    const TABLET = { ...PHONE, id: 's-tablet', user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' };
    let sessions = [LAPTOP, PHONE, TABLET];
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json(sessions)),
      http.delete(`${API}/auth/sessions/:id/`, ({ params }) => {
        sessions = sessions.filter((session) => session.id !== params.id);
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    renderApp('/account');
    const user = userEvent.setup();
    const revoke = async (name: RegExp) => {
      await user.click(await screen.findByRole('button', { name }));
      await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));
      await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
      await waitFor(() => expect(screen.getAllByTestId('session-row')).toHaveLength(sessions.length));
    };

    await revoke(/^Revoke Safari on iOS/);
    await waitFor(() => expect(screen.getByRole('button', { name: /^Revoke Firefox on Linux/ })).toHaveFocus());

    // The last row: this device's, before it, has no Revoke: the panel's heading.
    await revoke(/^Revoke Firefox on Linux/);
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Active sessions' })).toHaveFocus());
  });

  it('keeps the confirmation open with the reason when the revoke fails', async () => {
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.delete(`${API}/auth/sessions/:id/`, () => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429 })),
    );
    renderSignedIn(<SessionsPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: /^Revoke Safari on iOS/ }));
    const dialog = screen.getByRole('alertdialog', { name: 'Revoke this session?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));

    expect(await within(dialog).findByText('Could not revoke the session: Too many requests. Wait a little and try again.')).toBeInTheDocument();
    expect(screen.getAllByTestId('session-row')).toHaveLength(2);
  });

  it('signs out everywhere after a confirmation and ends this session', async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.post(`${API}/auth/logout-all/`, () => {
        calls += 1;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderSignedIn(<SessionsPanel />);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Sign out everywhere?' });
    expect(calls).toBe(0);
    await user.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));

    // Testing Library's waitFor (5 s here, src/testing/setup.ts), not vi.waitFor (1 s): the sign-out first gives the
    // other tabs OTHER_TABS_ANSWER_MS (250 ms) to say they have work to send, which left a busy machine little time.
    await waitFor(() => expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out', allDevices: true }));
    expect(calls).toBe(1);
  });

  it('signing out everywhere first runs the work that needs the session (deletes waiting out their undo)', async () => {
    const order: string[] = [];
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.post(`${API}/auth/logout-all/`, () => {
        order.push('logout-all');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    const forget = beforeSignOut(async () => {
      order.push('waiting work');
    });
    try {
      renderSignedIn(<SessionsPanel />);
      const user = userEvent.setup();

      await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
      await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Sign out everywhere' }));

      await waitFor(() => expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out', allDevices: true })); // as above
      expect(order).toEqual(['waiting work', 'logout-all']);
    } finally {
      forget();
    }
  });

  it('reopened after a failed attempt, "Sign out everywhere" does not show that attempt\'s error', async () => {
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.post(`${API}/auth/logout-all/`, () => HttpResponse.json({ detail: 'Something broke.', code: 'server_error' }, { status: 500 })),
    );
    renderSignedIn(<SessionsPanel />);
    const user = userEvent.setup();

    // Given a first attempt that failed, its error shown in the dialog,
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await within(screen.getByRole('alertdialog')).findByText('Something broke.')).toBeInTheDocument();
    // when the user cancels and opens it again,
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));

    // then the dialog is as new: no error, the confirm button ready.
    const dialog = screen.getByRole('alertdialog', { name: 'Sign out everywhere?' });
    expect(within(dialog).queryByText('Something broke.')).not.toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Sign out everywhere' })).not.toHaveAttribute('aria-disabled');
    expect(getSession().status).toBe('authenticated');
  });

  it('once signed out everywhere, the sign-in page says so (politely), and keeps no page to go back to', async () => {
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.post(`${API}/auth/logout-all/`, () => new HttpResponse(null, { status: 204 })),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    const app = renderApp('/account');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Sign out everywhere' }));

    // The sign-out first gives the other tabs OTHER_TABS_ANSWER_MS (250 ms) to say they have work to send: findBy's 5 s.
    const notice = await screen.findByText('You signed out on every device, including this one.');
    expect(notice.closest('[role="status"]')).not.toBeNull();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login');
  });

  it('a sign-out heard from another tab leads to the sign-in page without that notice', async () => {
    server.use(
      http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      noPendingEmailChange,
    );
    renderApp('/account');
    await screen.findByRole('button', { name: 'Sign out everywhere' });

    // What this tab does when another tab signs out (lib/session.ts, connectSession).
    act(() => endSession('signed-out'));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText('You signed out on every device, including this one.')).not.toBeInTheDocument();
  });

  it('names each Revoke by device, IP and time of sign-in, so two of the same device differ', async () => {
    const other = { ...PHONE, id: 's-phone-2', ip_address: '198.51.100.9', created_at: '2026-11-18T07:30:00Z' };
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE, other])));
    renderSignedIn(<SessionsPanel />);

    await screen.findAllByTestId('session-row');
    const names = screen.getAllByRole('button', { name: /^Revoke/ }).map((button) => button.getAttribute('aria-label'));
    expect(names).toEqual([
      `Revoke Safari on iOS, IP 192.0.2.7, signed in ${formatDateTime(PHONE.created_at)}`,
      `Revoke Safari on iOS, IP 198.51.100.9, signed in ${formatDateTime(other.created_at)}`,
    ]);
  });

  it('numbers the Revoke of sessions alike even so (same device and IP, signed in within the same minute)', async () => {
    const twin = { ...PHONE, id: 's-phone-twin', created_at: '2026-11-19T08:00:20Z' };
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE, twin])));
    renderSignedIn(<SessionsPanel />);

    await screen.findAllByTestId('session-row');
    const name = `Revoke Safari on iOS, IP 192.0.2.7, signed in ${formatDateTime(PHONE.created_at)}`;
    expect(screen.getAllByRole('button', { name: /^Revoke/ }).map((button) => button.getAttribute('aria-label'))).toEqual([`${name} (1 of 2)`, `${name} (2 of 2)`]);
  });

  it('prints the exact time of last use and the whole user agent as text, not only in a tooltip', async () => {
    server.use(http.get(`${API}/auth/sessions/`, () => HttpResponse.json([LAPTOP, PHONE])));
    renderSignedIn(<SessionsPanel />);

    const rows = await screen.findAllByTestId('session-row');
    const lastUsed = within(rows[1]!).getByText(/^Last used/);
    expect(lastUsed).toHaveTextContent(formatDateTime(PHONE.last_used_at));
    const agent = within(rows[1]!).getByText(PHONE.user_agent);
    expect(agent).not.toHaveAttribute('title');
    expect(rows[1]!.querySelector('[title]')).toBeNull();
  });
});
