import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { RouteErrorBoundary } from '@/app/route-error-boundary';
import { connectSession, getSession, restoreSession } from '@/lib/session';
import { page, user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const refused = () => HttpResponse.json({ detail: 'Token is invalid.', code: 'token_not_valid' }, { status: 401 });

describe('a failed refresh', () => {
  it('on load sends the visitor to the login page, keeping the intended destination', async () => {
    server.use(http.post(`${API}/auth/refresh/`, refused));
    const app = renderApp('/tasks?status=done', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks%3Fstatus%3Ddone');
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'none' });
  });

  it('mid-session (expired access, refused refresh) goes to login with next, and says why', async () => {
    const disconnect = connectSession();
    server.use(
      http.get(`${API}/tasks/`, refused),
      http.post(`${API}/auth/refresh/`, refused),
    );
    const app = renderApp('/tasks?priority=high');

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks%3Fpriority%3Dhigh');
    expect(screen.getByText('Your session has ended. Please sign in again.')).toBeInTheDocument();
    disconnect();
  });

  it('mid-session, says the reason the server gave for ending the session', async () => {
    const disconnect = connectSession();
    const why = "Too many wrong answers to confirm it's you: this session has been signed out. Sign in again.";
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json({ detail: why, code: 'session_revoked' }, { status: 401 })),
      http.post(`${API}/auth/refresh/`, refused),
    );
    const app = renderApp('/tasks');

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks');
    expect(screen.getByText(why)).toBeInTheDocument();
    expect(screen.queryByText('Your session has ended. Please sign in again.')).not.toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'expired', why });
    disconnect();
  });

  it('a valid cookie restores the session silently and shows the page asked for', async () => {
    server.use(
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ access: 'access-9' })),
      http.get(`${API}/auth/me/`, ({ request }) =>
        request.headers.get('Authorization') === 'Bearer access-9'
          ? HttpResponse.json({ id: 'u-1', email: 'ada@example.com', name: 'Ada', date_joined: '2026-01-01T00:00:00Z', email_verified: true })
          : refused(),
      ),
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
    );
    const app = renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('No tasks yet.')).toBeInTheDocument());
    expect(app.location()).toBe('/tasks');
  });

  it('a refresh answering with its user restores the session with no /auth/me/ round trip', async () => {
    const grace = { id: 'u-2', email: 'grace@example.com', name: 'Grace', date_joined: '2026-01-01T00:00:00Z', email_verified: false };
    let meCalls = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ user: grace, access: 'access-10' })),
      http.get(`${API}/auth/me/`, () => {
        meCalls += 1;
        return HttpResponse.json(grace);
      }),
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
    );
    renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'authenticated', user: grace });
    expect(meCalls).toBe(0);
  });
});

describe('the page kept after an expired session', () => {
  const grace = { id: 'u-2', email: 'grace@example.com', name: 'Grace', date_joined: '2026-01-01T00:00:00Z', email_verified: true };
  const stats = { total: 0, by_status: { todo: 0, in_progress: 0, done: 0 }, by_priority: { low: 0, medium: 0, high: 0 }, overdue: 0, completed_per_day: [] };

  /** Ada's session expires on her filtered, searched task list; the sign-in then answers for `who`. */
  async function expireOnSearch(who: typeof ada) {
    const disconnect = connectSession();
    server.use(
      // The token Ada's tab had is refused, and so is the refresh: the session has expired.
      http.get(`${API}/tasks/`, ({ request }) => (request.headers.get('Authorization') === 'Bearer access-1' ? refused() : HttpResponse.json(page([])))),
      http.post(`${API}/auth/refresh/`, refused),
      http.post(`${API}/auth/login/`, () => HttpResponse.json({ access: 'access-2', user: who })),
      http.get(`${API}/tasks/stats/`, () => HttpResponse.json(stats)),
    );
    const app = renderApp('/tasks?status=todo&search=salary');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks%3Fstatus%3Dtodo%26search%3Dsalary');
    return { app, disconnect };
  }

  async function signIn(email: string) {
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Email'), email);
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
  }

  it('takes the same account back to it, with its filters and search', async () => {
    const { app, disconnect } = await expireOnSearch(ada);

    await signIn(ada.email);

    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
    expect(app.location()).toBe('/tasks?status=todo&search=salary');
    disconnect();
  });

  it('takes another account to the default page, even after a reload of the sign-in page', async () => {
    const { app, disconnect } = await expireOnSearch(grace);
    // The next person reloads the sign-in page first: the `next` is still the expired account's.
    const kept = app.location();
    app.unmount();
    const reloaded = renderApp(kept, { as: 'anonymous' });

    await signIn(grace.email);

    await waitFor(() => expect(reloaded.location()).toBe('/'));
    expect(getSession()).toEqual({ status: 'authenticated', user: grace });
    disconnect();
  });
});

function Broken(): never {
  throw new Error('chunk failed to load');
}

describe('route errors', () => {
  it('a page that throws shows a calm message with a reload button, not a blank screen', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(
      <MemoryRouter>
        <RouteErrorBoundary resetKey="/">
          <Broken />
        </RouteErrorBoundary>
      </MemoryRouter>,
    );
    expect(await screen.findByRole('heading', { name: 'Something went wrong' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reload the page' })).toBeInTheDocument();
  });

  it('an unknown path shows the not-found page', async () => {
    renderApp('/no/such/page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
