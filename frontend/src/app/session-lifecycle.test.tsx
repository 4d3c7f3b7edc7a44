import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getAccessToken } from '@/lib/access-token';
import { getSession, restoreSession } from '@/lib/session';
import { page, user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const failures = {
  'a server error': () => HttpResponse.json({ detail: 'Down.', code: 'server_error' }, { status: 503 }),
  'a rate limit': () => HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429 }),
  'a network error': () => HttpResponse.error(),
};

/** Every broadcast another tab would hear. */
function listenAsAnotherTab() {
  const heard: unknown[] = [];
  const channel = new BroadcastChannel('sad-auth');
  channel.onmessage = (event) => heard.push(event.data);
  return {
    heard,
    close: () => channel.close(),
    /**
     * Everything broadcast so far, deterministically: a marker posted now from a third channel
     * reaches this one after every message posted before it, so once it is heard, nothing earlier
     * is still on its way.
     */
    async everythingSoFar(): Promise<unknown[]> {
      const marker = new BroadcastChannel('sad-auth');
      marker.postMessage({ type: 'marker' });
      await vi.waitFor(() => expect(heard).toContainEqual({ type: 'marker' }));
      marker.close();
      return heard.filter((message) => (message as { type?: string }).type !== 'marker');
    },
  };
}

// A test that fails while on fake timers must not leave them to the next one.
afterEach(() => vi.useRealTimers());

describe('sign out', () => {
  const tab = { current: null as ReturnType<typeof listenAsAnotherTab> | null };
  afterEach(() => tab.current?.close());

  it.each(Object.entries(failures))('after %s keeps the session, tells no tab, and says so', async (_name, fail) => {
    tab.current = listenAsAnotherTab();
    let calls = 0;
    server.use(
      http.post(`${API}/auth/logout/`, () => {
        calls += 1;
        return fail();
      }),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
    );
    renderApp('/');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByText('Could not sign out. Try again.')).toBeInTheDocument();
    expect(calls).toBe(1);
    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
    expect(getAccessToken()).toBe('access-1');
    expect(screen.getByRole('button', { name: 'Sign out' })).not.toHaveAttribute('aria-disabled');
    expect(await tab.current.everythingSoFar()).toEqual([]);
  });

  it('after the server revoked the session, ends it here and in the other tabs', async () => {
    tab.current = listenAsAnotherTab();
    server.use(
      http.post(`${API}/auth/logout/`, () => new HttpResponse(null, { status: 204 })),
      http.get(`${API}/tasks/stats/`, () => new Promise(() => undefined)),
    );
    const app = renderApp('/');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login');
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'signed-out' });
    expect(getAccessToken()).toBeNull();
    await waitFor(() => expect(tab.current?.heard).toEqual([{ type: 'signed-out' }]));
  });
});

const me = () => HttpResponse.json(ada);

describe('restoring the session on load', () => {
  it.each(Object.entries(failures))('after %s shows "couldn\'t restore" with Retry, not the login page', async (name, fail) => {
    // Fake timers, moved on 20 ms at a time as real time passes: the automatic try 1 s after the failure must not
    // come before the test presses Retry (it restored the session and took the page away), as it could on real
    // timers when a busy machine stalled for a second.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    // A refresh that got no answer is sent again at once (lib/api-client.ts, requestRefresh): both fail here.
    const failing = name === 'a network error' ? 2 : 1;
    let refreshes = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => {
        refreshes += 1;
        return refreshes <= failing ? fail() : HttpResponse.json({ access: 'access-2' });
      }),
      http.get(`${API}/auth/me/`, me),
      http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
    );
    const app = renderApp('/tasks', { as: 'restoring' });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: "Couldn't restore your session" })).toBeInTheDocument();
    expect(app.location()).toBe('/tasks');
    expect(getSession()).toMatchObject({ status: 'unavailable' });

    await user.click(screen.getByRole('button', { name: 'Retry' }));

    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
    expect(refreshes).toBe(failing + 1);
    expect(app.location()).toBe('/tasks');
  });

  it('retries by itself, waiting as long as Retry-After says (fake timers)', async () => {
    vi.useFakeTimers();
    let refreshes = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => {
        refreshes += 1;
        return refreshes === 1
          ? HttpResponse.json({ detail: 'Slow down.', code: 'throttled' }, { status: 429, headers: { 'Retry-After': '3' } })
          : HttpResponse.json({ access: 'access-2' });
      }),
      http.get(`${API}/auth/me/`, me),
    );

    await act(() => restoreSession());
    expect(getSession()).toEqual({ status: 'unavailable', retryAt: Date.now() + 3000 });

    await act(() => vi.advanceTimersByTimeAsync(2999));
    expect(refreshes).toBe(1); // not before the server said
    await act(() => vi.advanceTimersByTimeAsync(1));

    await vi.waitFor(() => expect(getSession()).toEqual({ status: 'authenticated', user: ada }));
    expect(refreshes).toBe(2);
    vi.useRealTimers();
  });

  it.each([400, 403])('treats a %i from the refresh as "no session" and goes to the login page', async (status) => {
    server.use(http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'No.', code: 'no' }, { status })));
    const app = renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks');
  });
});
