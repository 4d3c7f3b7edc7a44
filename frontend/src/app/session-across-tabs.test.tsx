import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getAccessToken } from '@/lib/access-token';
import { refreshAccessToken } from '@/lib/api-client';
import { connectSession, getSession, updateSessionUser } from '@/lib/session';
import { fakeJwt, makeTask, page, user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const grace = { id: 'u-2', email: 'grace@example.com', name: 'Grace Hopper', date_joined: '2026-02-01T10:00:00Z', email_verified: true };
const ADA_TOKEN = fakeJwt({ user_id: ada.id });
const GRACE_TOKEN = fakeJwt({ user_id: grace.id });

/** Another tab of this origin: what it hears, and a way to speak. */
function anotherTab() {
  const heard: unknown[] = [];
  const channel = new BroadcastChannel('sad-auth');
  channel.onmessage = (event) => heard.push(event.data);
  return { heard, post: (message: unknown) => channel.postMessage(message), close: () => channel.close() };
}

/** The API as it is once Grace has signed in elsewhere: the shared cookie is hers now. */
function cookieIsGraces() {
  const refreshes: string[] = [];
  const seen: (string | null)[] = [];
  server.use(
    http.post(`${API}/auth/refresh/`, () => {
      refreshes.push('refresh');
      return HttpResponse.json({ access: GRACE_TOKEN });
    }),
    http.get(`${API}/auth/me/`, ({ request }) =>
      request.headers.get('Authorization') === `Bearer ${GRACE_TOKEN}`
        ? HttpResponse.json(grace)
        : HttpResponse.json({ detail: 'No.', code: 'not_authenticated' }, { status: 401 }),
    ),
    http.get(`${API}/tasks/stats/`, ({ request }) => {
      seen.push(request.headers.get('Authorization'));
      // Ada's session was revoked: only Grace's token is accepted.
      return request.headers.get('Authorization') === `Bearer ${GRACE_TOKEN}`
        ? HttpResponse.json({ total: 1, by_status: { todo: 1, in_progress: 0, done: 0 }, by_priority: { low: 0, medium: 1, high: 0 }, overdue: 0, completed_per_day: [] })
        : HttpResponse.json({ detail: 'Session revoked.', code: 'session_revoked' }, { status: 401 });
    }),
  );
  return { refreshes, seen };
}

describe('one account per tab, whatever the other tabs do', () => {
  const tab = { current: null as ReturnType<typeof anotherTab> | null };
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    tab.current?.close();
    cleanup.splice(0).forEach((undo) => undo());
  });

  it('a signed-in tab that hears another account signed in becomes that account, with nothing of the old one cached', async () => {
    cleanup.push(connectSession());
    const { refreshes } = cookieIsGraces();
    server.use(
      http.get(`${API}/tasks/`, ({ request }) =>
        HttpResponse.json(
          page([makeTask({ title: request.headers.get('Authorization') === `Bearer ${GRACE_TOKEN}` ? 'Grace’s task' : 'Ada’s task' })]),
        ),
      ),
    );
    renderApp('/tasks', { token: ADA_TOKEN });
    expect(await screen.findByText('Ada’s task')).toBeInTheDocument();

    tab.current = anotherTab();
    tab.current.post({ type: 'signed-in', userId: grace.id });

    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: grace }));
    expect(await screen.findByText('Grace Hopper')).toBeInTheDocument();
    expect(screen.queryByText('Ada Lovelace')).not.toBeInTheDocument();
    expect(getAccessToken()).toBe(GRACE_TOKEN);
    expect(refreshes).toHaveLength(1);
    expect(await screen.findByText('Grace’s task')).toBeInTheDocument();
    expect(screen.queryByText('Ada’s task')).not.toBeInTheDocument();
  });

  it('hearing its own account signed in elsewhere changes nothing', async () => {
    cleanup.push(connectSession());
    const { refreshes } = cookieIsGraces();
    server.use(http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))));
    renderApp('/tasks');
    await screen.findByText('No tasks yet.');

    tab.current = anotherTab();
    tab.current.post({ type: 'signed-in', userId: ada.id });
    // A marker posted after it, heard by a third tab: by then this tab has had the message (and a tab
    // acting on it would already have left the signed-in state: that step is synchronous).
    const third = anotherTab();
    tab.current.post({ type: 'marker' });
    await vi.waitFor(() => expect(third.heard).toContainEqual({ type: 'marker' }));
    third.close();

    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
    expect(refreshes).toEqual([]);
  });

  it('a refresh that hands this tab another account’s token switches to that account and does not retry the request as it', async () => {
    cleanup.push(connectSession());
    const { seen } = cookieIsGraces();
    renderApp('/', { token: ADA_TOKEN });

    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: grace }));
    expect(await screen.findByRole('heading', { name: 'Hello, Grace' })).toBeInTheDocument();
    // Ada's stats request got a 401 and was not sent again with Grace's token; Grace's page asked afresh.
    expect(seen[0]).toBe(`Bearer ${ADA_TOKEN}`);
    expect(seen.filter((auth) => auth === `Bearer ${ADA_TOKEN}`)).toHaveLength(1);
  });

  it('a refresh’s user for this very account replaces the one this tab shows (its address verified, or changed, elsewhere)', async () => {
    cleanup.push(connectSession());
    const stale = fakeJwt({ user_id: ada.id, n: 1 });
    const fresh = fakeJwt({ user_id: ada.id, n: 2 });
    const changed = { ...ada, email: 'ada@new.example', email_verified: true };
    // Only the fresh token is accepted: the page's first requests refresh it, and the refresh sends the user.
    const answer = (body: object) => ({ request }: { request: Request }) =>
      request.headers.get('Authorization') === `Bearer ${fresh}`
        ? HttpResponse.json(body)
        : HttpResponse.json({ detail: 'Token expired.', code: 'token_not_valid' }, { status: 401 });
    server.use(
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ access: fresh, user: changed })),
      http.get(`${API}/auth/sessions/`, answer([])),
      http.get(`${API}/auth/activity/`, answer(page([]))),
      http.get(`${API}/auth/email/change/pending/`, answer({ pending: null })),
    );
    renderApp('/account', { token: stale });
    act(() => updateSessionUser({ ...ada, email_verified: false })); // what this tab knew

    await waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: changed }));
    expect((await screen.findAllByText('ada@new.example')).length).toBeGreaterThan(0);
    expect(screen.queryByText('Not verified')).not.toBeInTheDocument();
  });

  it('a refresh whose user is missing or malformed leaves the tab’s user as it was', async () => {
    cleanup.push(connectSession());
    const fresh = fakeJwt({ user_id: ada.id, n: 2 });
    let refreshes = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => {
        refreshes += 1;
        return HttpResponse.json({ access: fresh, user: refreshes === 1 ? { id: ada.id, email: 42 } : undefined });
      }),
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
    );
    renderApp('/tasks', { token: ADA_TOKEN });
    await screen.findByText('No tasks yet.');

    await act(() => refreshAccessToken());
    await act(() => refreshAccessToken());

    expect(refreshes).toBe(2);
    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
  });

  it('an expired session is told to the other tabs; a tab told so checks its own and ends it when it is gone too', async () => {
    cleanup.push(connectSession());
    tab.current = anotherTab();
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json({ detail: 'Expired.', code: 'token_not_valid' }, { status: 401 })),
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'Session revoked.', code: 'session_revoked' }, { status: 401 })),
    );
    renderApp('/tasks');

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    await waitFor(() => expect(tab.current?.heard).toEqual([{ type: 'session-ended' }]));
  });

  it('told that another tab’s session ended, a tab whose own session still works keeps it', async () => {
    cleanup.push(connectSession());
    let refreshes = 0;
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
      http.post(`${API}/auth/refresh/`, () => {
        refreshes += 1;
        return HttpResponse.json({ access: ADA_TOKEN });
      }),
    );
    renderApp('/tasks');
    await screen.findByText('No tasks yet.');

    tab.current = anotherTab();
    tab.current.post({ type: 'session-ended' });

    await waitFor(() => expect(refreshes).toBe(1));
    await waitFor(() => expect(getAccessToken()).toBe(ADA_TOKEN));
    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
    expect(screen.getByText('No tasks yet.')).toBeInTheDocument();
  });

  it('told that another tab’s session ended, a tab whose session is gone too goes to the login page', async () => {
    cleanup.push(connectSession());
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'Session revoked.', code: 'session_revoked' }, { status: 401 })),
    );
    renderApp('/tasks');
    await screen.findByText('No tasks yet.');

    tab.current = anotherTab();
    tab.current.post({ type: 'session-ended' });

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'expired' });
  });

  it('a password reset (every session revoked) is told to the other tabs', async () => {
    tab.current = anotherTab();
    server.use(http.post(`${API}/auth/password-reset/confirm/`, () => new HttpResponse(null, { status: 204 })));
    renderApp('/reset-password?uid=abc&token=def', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('New password'), 'abcdefgh1');
    await user.type(screen.getByLabelText('Confirm new password'), 'abcdefgh1');
    await user.click(screen.getByRole('button', { name: 'Set new password' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    await waitFor(() => expect(tab.current?.heard).toEqual([{ type: 'session-ended' }]));
  });

  it('signing in tells the other tabs who signed in (an id, never a token)', async () => {
    tab.current = anotherTab();
    server.use(
      http.post(`${API}/auth/login/`, () => HttpResponse.json({ access: GRACE_TOKEN, user: grace })),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
    );
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Email'), grace.email);
    await user.type(screen.getByLabelText('Password'), 'secret-pass');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(tab.current?.heard).toEqual([{ type: 'signed-in', userId: grace.id }]));
  });
});
