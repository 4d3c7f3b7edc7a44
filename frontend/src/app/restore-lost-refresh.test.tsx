import { act, screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getSession, resetSessionForTests, restoreSession } from '@/lib/session';
import { page, user as ada } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const REUSED = 'This refresh token was already used. The session has been signed out for safety.';

/** The browser loses (or regains) its connection: navigator.onLine and the event, as a browser does it. */
function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

/**
 * The server's refresh, with its grace window (REFRESH_REUSE_INTERVAL_SECONDS, 10 s, shortened to `graceMs`): the
 * first refresh rotates the cookie, and its answer is lost as the network goes (a train entering a tunnel). The
 * old cookie presented again within the window gets the same new token; later, it is taken for a stolen copy.
 * `answeredAgain`: the refresh sent again has been answered, either way.
 */
function refreshLostAsTheNetworkGoes(graceMs: number) {
  let rotatedAt: number | null = null;
  const answers: string[] = [];
  let answeringAgain = (): void => undefined;
  const answeredAgain = new Promise<void>((resolve) => (answeringAgain = resolve));
  server.use(
    http.post(`${API}/auth/refresh/`, () => {
      if (rotatedAt === null) {
        rotatedAt = Date.now();
        setOnline(false);
        return HttpResponse.error();
      }
      answeringAgain();
      if (Date.now() - rotatedAt <= graceMs) {
        answers.push('the same new token again');
        return HttpResponse.json({ access: 'access-2', user: ada });
      }
      answers.push('revoked as reused');
      return HttpResponse.json({ detail: REUSED, code: 'refresh_token_reused' }, { status: 401 });
    }),
    http.get(`${API}/tasks/`, () => HttpResponse.json(page([]))),
  );
  return { answers, answeredAgain };
}

// A test that fails while on fake timers must not leave them to the next one.
afterEach(() => vi.useRealTimers());

describe('restoring the session when the refresh’s answer was lost', () => {
  it('sends it again as soon as the browser is back online, not when its retry timer says: within the server’s grace window', async () => {
    // The server's window and the app's retry timer on a clock only the test moves: on the real one, a busy machine
    // could spend the window (700 ms) between the lost answer and the refresh sent again, and fail the test. Only Date
    // and the timeouts; Testing Library's async helpers, which wait on setTimeout, only once the real ones are back.
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    // The next automatic try is 1 s after the failure: past this window.
    const { answers, answeredAgain } = refreshLostAsTheNetworkGoes(700);
    renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());
    // Sent once more at once (lib/api-client.ts), but offline: not sent. The next automatic try is 1 s away.
    expect(getSession()).toMatchObject({ status: 'unavailable' });
    expect(answers).toEqual([]);

    // Back online half a second later, before that try.
    await act(() => vi.advanceTimersByTimeAsync(500));
    expect(answers).toEqual([]);
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    act(() => setOnline(true));

    // Sent from the event itself, not by a timer: its answer comes with the clock standing still.
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    await act(() => answeredAgain);
    expect(answers).toEqual(['the same new token again']);
    vi.useRealTimers();
    expect(await screen.findByRole('heading', { name: 'Tasks' })).toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'authenticated', user: ada });
  });

  it('sent again too late, the session revoked as stolen: the sign-in page says why', async () => {
    server.use(http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: REUSED, code: 'refresh_token_reused' }, { status: 401 })));
    const app = renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText(REUSED)).toBeInTheDocument();
    expect(app.location()).toBe('/login?next=%2Ftasks');
  });

  it('a session the server no longer has (revoked, expired) says it ended; no session at all says nothing', async () => {
    let code = 'invalid_refresh_token';
    server.use(http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'The refresh token is invalid, expired or revoked.', code }, { status: 401 })));
    const first = renderApp('/tasks', { as: 'restoring' });

    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.getByText('Your session has ended. Please sign in again.')).toBeInTheDocument();
    first.unmount();

    code = 'refresh_token_missing';
    resetSessionForTests();
    renderApp('/tasks', { as: 'restoring' });
    await act(() => restoreSession());

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByText(/session has ended/)).not.toBeInTheDocument();
    expect(getSession()).toEqual({ status: 'anonymous', reason: 'none' });
  });
});
