import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { renderApp, renderSignedIn } from '@/testing/render';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { API, server } from '@/testing/server';
import { ActivityPanel } from '@/features/account/components/activity-panel';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36';

function event(id: number | string, overrides: Record<string, unknown> = {}) {
  return {
    id: String(id),
    event: 'login_succeeded',
    description: 'Signed in',
    occurred_at: new Date().toISOString(),
    ip_address: '10.0.0.5',
    user_agent: CHROME,
    session_id: 's-1',
    current_session: false,
    ...overrides,
  };
}

describe('security activity', () => {
  it('lists events in words, with when, where, and this session marked', async () => {
    const pages: (string | null)[] = [];
    server.use(
      http.get(`${API}/auth/activity/`, ({ request }) => {
        const url = new URL(request.url);
        pages.push(url.searchParams.get('page'));
        return HttpResponse.json({
          count: 3,
          next: null,
          previous: null,
          results: [
            event(3, { current_session: true }),
            event(2, { event: 'email_change_requested', description: 'Email change requested', occurred_at: '2026-11-01T10:00:00Z' }),
            event(1, { event: 'something_new', description: 'Something the SPA does not know yet', ip_address: null, user_agent: '' }),
          ],
        });
      }),
    );
    renderSignedIn(<ActivityPanel />);

    const rows = await screen.findAllByTestId('activity-row');
    expect(rows).toHaveLength(3);
    expect(within(rows[0]!).getByText('Signed in')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('This session')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('just now')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Chrome on Linux')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('IP 10.0.0.5')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Email change requested')).toBeInTheDocument();
    expect(within(rows[1]!).queryByText('This session')).not.toBeInTheDocument();
    expect(rows[1]!.querySelector('time')).toHaveAttribute('dateTime', '2026-11-01T10:00:00Z');
    expect(within(rows[2]!).getByText('Something the SPA does not know yet')).toBeInTheDocument();
    expect(within(rows[2]!).queryByText(/^IP /)).not.toBeInTheDocument();
    expect(pages).toEqual(['1']);
  });

  it('pages through older events', async () => {
    server.use(
      http.get(`${API}/auth/activity/`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get('page'));
        expect(new URL(request.url).searchParams.get('page_size')).toBe('10');
        const results = Array.from({ length: page === 1 ? 10 : 2 }, (_, i) =>
          event(page * 100 + i, { event: page === 1 ? 'login_succeeded' : 'register', description: '' }),
        );
        return HttpResponse.json({ count: 12, next: page === 1 ? 'next' : null, previous: page === 1 ? null : 'prev', results });
      }),
    );
    renderSignedIn(<ActivityPanel />);
    const user = userEvent.setup();

    expect(await screen.findAllByTestId('activity-row')).toHaveLength(10);
    expect(screen.getByText('Showing 1–10 of 12')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Showing 11–12 of 12')).toBeInTheDocument();
    expect(await screen.findAllByText('Account created')).toHaveLength(2);
  });

  it('says when it cannot be loaded and tries again', async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/auth/activity/`, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ detail: 'Nope.', code: 'forbidden' }, { status: 403 })
          : HttpResponse.json({ count: 0, next: null, previous: null, results: [] });
      }),
    );
    renderSignedIn(<ActivityPanel />);
    const user = userEvent.setup();

    expect(await screen.findByText('Could not load your activity. Nope.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Nothing yet.')).toBeInTheDocument();
  });
});

/**
 * The account page's API, recording events as the server's audit log does: each action's event is listed by the
 * next GET of the activity, newest first.
 */
function auditedAccount() {
  const events = [event('e-1', { description: '' })];
  const record = (name: string) => events.unshift(event(`e-${events.length + 1}`, { event: name, description: '' }));
  let sessions = [
    { id: 's-1', created_at: '2026-11-01T10:00:00Z', last_used_at: '2026-11-01T10:00:00Z', user_agent: CHROME, ip_address: '10.0.0.5', current: true, amr: ['pwd'], aal: 1 },
    { id: 's-2', created_at: '2026-11-01T10:00:00Z', last_used_at: '2026-11-01T10:00:00Z', user_agent: 'Firefox', ip_address: '10.0.0.6', current: false, amr: ['pwd'], aal: 1 },
  ];
  server.use(
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: events.length, next: null, previous: null, results: events })),
    noPendingEmailChange,
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json(sessions)),
    http.delete(`${API}/auth/sessions/:id/`, ({ params }) => {
      sessions = sessions.filter((session) => session.id !== params.id);
      record('session_revoked');
      return new HttpResponse(null, { status: 204 });
    }),
    http.delete(`${API}/auth/me/`, () => {
      record('password_check_failed');
      return HttpResponse.json({ current_password: ['The current password is incorrect.'] }, { status: 400 });
    }),
    http.post(`${API}/auth/password/`, async ({ request }) => {
      const { current_password } = (await request.json()) as { current_password: string };
      if (current_password !== 'old password!') {
        record('password_check_failed');
        return HttpResponse.json({ current_password: ['The current password is incorrect.'] }, { status: 400 });
      }
      record('password_changed');
      sessions = sessions.filter((session) => session.current);
      return new HttpResponse(null, { status: 204 });
    }),
  );
}

describe('security activity after changes made on the account page', () => {
  it('shows a wrong current password, then the password change, as soon as the server has them', async () => {
    auditedAccount();
    renderApp('/account');
    const user = userEvent.setup();
    const activity = await screen.findByRole('region', { name: 'Security activity' });
    await within(activity).findByText('Signed in');
    const form = screen.getByRole('region', { name: 'Change password' });

    await user.type(within(form).getByLabelText('Current password'), 'a guess');
    await user.type(within(form).getByLabelText('New password'), 'a brand new one 42');
    await user.type(within(form).getByLabelText('Confirm new password'), 'a brand new one 42');
    await user.click(within(form).getByRole('button', { name: 'Change password' }));
    expect(await within(form).findByText('The current password is incorrect.')).toBeInTheDocument();
    expect(await within(activity).findByText('Wrong current password given')).toBeInTheDocument();

    await user.clear(within(form).getByLabelText('Current password'));
    await user.type(within(form).getByLabelText('Current password'), 'old password!');
    await user.click(within(form).getByRole('button', { name: 'Change password' }));
    expect(await within(form).findByText('Password changed. Your other devices have been signed out.')).toBeInTheDocument();
    expect(await within(activity).findByText('Password changed')).toBeInTheDocument();
  });

  it('shows a wrong current password given to delete the account', async () => {
    auditedAccount();
    renderApp('/account');
    const user = userEvent.setup();
    const activity = await screen.findByRole('region', { name: 'Security activity' });
    await within(activity).findByText('Signed in');

    await user.click(screen.getByRole('button', { name: 'Delete account…' }));
    const dialog = screen.getByRole('alertdialog');
    await user.type(within(dialog).getByLabelText('Your email address'), 'ada@example.com');
    await user.type(within(dialog).getByLabelText('Current password'), 'a guess');
    await user.click(within(dialog).getByRole('button', { name: 'Delete my account' }));
    expect(await within(dialog).findByText('The current password is incorrect.')).toBeInTheDocument();

    expect(await within(activity).findByText('Wrong current password given')).toBeInTheDocument();
  });

  it('shows a session revoked', async () => {
    auditedAccount();
    renderApp('/account');
    const user = userEvent.setup();
    const activity = await screen.findByRole('region', { name: 'Security activity' });
    await within(activity).findByText('Signed in');

    await user.click(await screen.findByRole('button', { name: /^Revoke Firefox/ }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));

    await waitFor(() => expect(screen.getAllByTestId('session-row')).toHaveLength(1));
    expect(await within(activity).findByText('A session was revoked')).toBeInTheDocument();
  });
});
