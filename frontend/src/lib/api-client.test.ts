import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getAccessToken, setAccessToken } from '@/lib/access-token';
import { REFRESH_TIMEOUT_MS, apiRequest, onSessionExpired, onTokenRefreshed, refreshAccessToken } from '@/lib/api-client';
import { ApiError, NetworkError, OFFLINE_MESSAGE } from '@/lib/api-error';
import { API, server, unhandledRequests } from '@/testing/server';

/**
 * /api/tasks/ accepts only "Bearer access-2"; refresh hands out access-2 once every /tasks/ request
 * made so far has had its 401 (so concurrent requests all ask for a refresh while one is in flight);
 * with `concurrent: 0`, at once.
 */
function useExpiredTokenApi({ concurrent = 1 } = {}) {
  const refreshes: Request[] = [];
  const seen: (string | null)[] = [];
  let refused = 0;
  let allRefused = (): void => undefined;
  const everyoneRefused = new Promise<void>((resolve) => (allRefused = resolve));
  if (concurrent === 0) allRefused();
  server.use(
    http.get(`${API}/tasks/`, ({ request }) => {
      const auth = request.headers.get('Authorization');
      seen.push(auth);
      if (auth === 'Bearer access-2') return HttpResponse.json({ ok: true });
      refused += 1;
      if (refused === concurrent) allRefused();
      return HttpResponse.json({ detail: 'Token expired.', code: 'token_not_valid' }, { status: 401 });
    }),
    http.post(`${API}/auth/refresh/`, async ({ request }) => {
      refreshes.push(request.clone());
      await everyoneRefused;
      return HttpResponse.json({ access: 'access-2' });
    }),
  );
  return { refreshes, seen };
}

// A test that fails while on fake timers must not leave them to the next one.
afterEach(() => vi.useRealTimers());

describe('apiRequest', () => {
  it('refreshes once for concurrent 401s and retries each request with the new token', async () => {
    setAccessToken('access-1');
    const { refreshes, seen } = useExpiredTokenApi({ concurrent: 3 });

    const results = await Promise.all([apiRequest('/tasks/'), apiRequest('/tasks/'), apiRequest('/tasks/')]);

    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(refreshes).toHaveLength(1);
    expect(seen.filter((auth) => auth === 'Bearer access-1')).toHaveLength(3);
    expect(seen.filter((auth) => auth === 'Bearer access-2')).toHaveLength(3);
    expect(getAccessToken()).toBe('access-2');
  });

  it('sends the refresh as the cookie endpoint demands: POST, exact JSON content type, {} body', async () => {
    setAccessToken('access-1');
    const { refreshes } = useExpiredTokenApi();

    await apiRequest('/tasks/');

    const [refresh] = refreshes;
    expect(refresh?.method).toBe('POST');
    expect(refresh?.headers.get('Content-Type')).toBe('application/json');
    expect(refresh?.headers.get('Authorization')).toBeNull();
    expect(await refresh?.text()).toBe('{}');
  });

  it('retries with a token another request refreshed meanwhile, without refreshing again', async () => {
    setAccessToken('access-1');
    const { refreshes } = useExpiredTokenApi();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived = false;
    server.use(
      http.get(`${API}/tasks/`, async ({ request }) => {
        if (request.headers.get('Authorization') === 'Bearer access-2') return HttpResponse.json({ ok: true });
        arrived = true;
        await gate; // the stale request's 401 arrives after the token changed
        return HttpResponse.json({ detail: 'expired', code: 'token_not_valid' }, { status: 401 });
      }),
    );

    const pending = apiRequest('/tasks/');
    await vi.waitFor(() => expect(arrived).toBe(true));
    setAccessToken('access-2');
    release();

    await expect(pending).resolves.toEqual({ ok: true });
    expect(refreshes).toHaveLength(0);
  });

  it('holds the cross-tab lock named sad-refresh while refreshing', async () => {
    const request = vi.fn((_name: string, _options: object, work: () => Promise<unknown>) => work());
    vi.stubGlobal('navigator', { ...navigator, locks: { request } });
    const { refreshes } = useExpiredTokenApi({ concurrent: 0 });

    await expect(refreshAccessToken()).resolves.toBe('access-2');

    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0]?.slice(0, 2)).toEqual(['sad-refresh', { mode: 'exclusive', signal: expect.any(AbortSignal) }]);
    expect(refreshes).toHaveLength(1);
    vi.unstubAllGlobals();
  });

  it('ends the session when the refresh is refused, and reports the 401', async () => {
    setAccessToken('access-1');
    const expired = vi.fn();
    onSessionExpired(expired);
    server.use(
      http.get(`${API}/tasks/`, () => HttpResponse.json({ detail: 'expired', code: 'token_not_valid' }, { status: 401 })),
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'Session revoked.', code: 'session_revoked' }, { status: 401 })),
    );

    const error = await apiRequest('/tasks/').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect(expired).toHaveBeenCalledTimes(1);
    expect(expired).toHaveBeenCalledWith(null); // the 401 was an expired token's: no reason to give
    expect(getAccessToken()).toBeNull();
  });

  it("passes on the server's reason when a write's 401 session_revoked ended the session, and still throws it", async () => {
    setAccessToken('access-1');
    const expired = vi.fn();
    onSessionExpired(expired);
    const why = "Too many wrong answers to confirm it's you: this session has been signed out. Sign in again.";
    server.use(
      http.post(`${API}/auth/password/`, () => HttpResponse.json({ detail: why, code: 'session_revoked' }, { status: 401 })),
      http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ detail: 'Invalid.', code: 'invalid_refresh_token' }, { status: 401 })),
    );

    const error = await apiRequest('/auth/password/', { method: 'POST', body: { current_password: 'guess' } }).catch((caught: unknown) => caught);

    expect(expired).toHaveBeenCalledWith(why);
    // The reason was read from a copy: the caller's error still has the answer's own detail and code.
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('session_revoked');
    expect((error as ApiError).message).toBe(why);
  });

  it('turns DRF validation errors into field errors', async () => {
    server.use(
      http.post(`${API}/tasks/`, () =>
        HttpResponse.json({ title: ['This field may not be blank.'], non_field_errors: ['Nope.'] }, { status: 400 }),
      ),
    );

    const error = (await apiRequest('/tasks/', { method: 'POST', body: {} }).catch((caught: unknown) => caught)) as ApiError;

    expect(error.status).toBe(400);
    expect(error.fieldErrors).toEqual({ title: ['This field may not be blank.'], non_field_errors: ['Nope.'] });
    expect(error.formErrors).toEqual(['Nope.']);
  });

  it('reports a request that never got an answer as a NetworkError', async () => {
    server.use(http.get(`${API}/tasks/`, () => HttpResponse.error()));
    await expect(apiRequest('/tasks/')).rejects.toBeInstanceOf(NetworkError);
  });

  it('never refreshes for public endpoints: a bad login is just a 401', async () => {
    const refresh = vi.fn();
    server.use(
      http.post(`${API}/auth/login/`, () => HttpResponse.json({ detail: 'Invalid email or password.', code: 'authentication_failed' }, { status: 401 })),
      http.post(`${API}/auth/refresh/`, refresh),
    );
    await expect(apiRequest('/auth/login/', { method: 'POST', body: {}, auth: false })).rejects.toThrow('Invalid email or password.');
    expect(refresh).not.toHaveBeenCalled();
  });
});

describe('refreshAccessToken', () => {
  it('bounds the refresh request with a timeout signal, so the cross-tab lock is always released', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    server.use(http.post(`${API}/auth/refresh/`, () => HttpResponse.json({ access: 'access-2' })));

    await refreshAccessToken();

    const init = fetchSpy.mock.calls[0]?.[1];
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(init?.signal?.aborted).toBe(false);
  });

  it('gives up on a refresh that gets no answer twice, each after REFRESH_TIMEOUT_MS: a NetworkError (temporary), not a sign-out', async () => {
    vi.useFakeTimers();
    let asked = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => {
        asked += 1;
        return new Promise<never>(() => undefined); // the server never answers
      }),
    );

    const outcome = refreshAccessToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(REFRESH_TIMEOUT_MS);
    expect(asked).toBe(2); // sent again at once
    await vi.advanceTimersByTimeAsync(REFRESH_TIMEOUT_MS - 1);
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);

    expect(await outcome).toBeInstanceOf(NetworkError);
    expect(asked).toBe(2);
    vi.useRealTimers();
  });

  it('sends a refresh whose answer was lost again at once, inside the server\'s grace window, and takes its token', async () => {
    // (the server rotated the token on the first; within REFRESH_REUSE_INTERVAL_SECONDS the same cookie gets the
    // same new token again, where the next 401, minutes later, would have revoked the session as a reused token)
    vi.useFakeTimers();
    let asked = 0;
    server.use(
      http.post(`${API}/auth/refresh/`, () => {
        asked += 1;
        if (asked === 1) return new Promise<never>(() => undefined); // its answer is lost
        return HttpResponse.json({ access: 'access-2' });
      }),
    );

    const outcome = refreshAccessToken();
    await vi.advanceTimersByTimeAsync(REFRESH_TIMEOUT_MS);

    expect(await outcome).toBe('access-2');
    expect(asked).toBe(2);
    expect(REFRESH_TIMEOUT_MS).toBeLessThan(10_000); // the server's default grace window
    vi.useRealTimers();
  });
});

/** The browser loses (or regains) its connection: navigator.onLine and the event, as a browser does it. */
function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
  window.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

/**
 * A request's 401, then its refresh lost as the network goes (a train entering a tunnel): the server rotated the
 * cookie, its answer never came, and the refresh sent again at once was not sent (offline). The refresh after that
 * gets `next`. Returns the refreshes the server got.
 */
function refreshLostAsTheNetworkGoes(next: () => Response) {
  let refreshes = 0;
  server.use(
    http.get(`${API}/tasks/`, () => HttpResponse.json({ detail: 'Token expired.', code: 'token_not_valid' }, { status: 401 })),
    http.post(`${API}/auth/refresh/`, () => {
      refreshes += 1;
      if (refreshes > 1) return next();
      setOnline(false);
      return HttpResponse.error();
    }),
  );
  return { refreshes: () => refreshes };
}

describe('a refresh that got no answer as the browser went offline', () => {
  const REUSED = 'This refresh token was already used. The session has been signed out for safety.';

  it('refused when sent again back online (too late, say): the session ends then, not at the next request', async () => {
    setAccessToken('access-1');
    const expired = vi.fn();
    onSessionExpired(expired);
    const lost = refreshLostAsTheNetworkGoes(() => HttpResponse.json({ detail: REUSED, code: 'refresh_token_reused' }, { status: 401 }));

    await expect(apiRequest('/tasks/')).rejects.toThrow(OFFLINE_MESSAGE);
    expect(lost.refreshes()).toBe(1);
    expect(expired).not.toHaveBeenCalled();

    setOnline(true);

    await vi.waitFor(() => expect(expired).toHaveBeenCalledWith(null));
    expect(lost.refreshes()).toBe(2);
    expect(getAccessToken()).toBeNull();
  });

  it('is not sent again for a tab whose session ended meanwhile (no token in memory): a restore retries on its own', async () => {
    setAccessToken('access-1');
    const lost = refreshLostAsTheNetworkGoes(() => HttpResponse.json({ access: 'access-2' }));
    await expect(apiRequest('/tasks/')).rejects.toThrow(OFFLINE_MESSAGE);
    setAccessToken(null); // signed out in another tab, say (lib/session.ts, endSession)
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    setOnline(true);

    // The refresh would have been sent from the event itself (see the next test).
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(lost.refreshes()).toBe(1);
    expect(getAccessToken()).toBeNull();
  });

  it('is sent again as soon as the browser is back online, inside the server’s grace window, and its token taken: the session goes on', async () => {
    // Left to the next 401, the old cookie would come back after the window, be taken for a stolen copy, and the
    // session revoked.
    setAccessToken('access-1');
    const expired = vi.fn();
    const refreshed = vi.fn();
    onSessionExpired(expired);
    onTokenRefreshed(refreshed);
    const lost = refreshLostAsTheNetworkGoes(() => HttpResponse.json({ access: 'access-2', user: null }));

    // The request fails, saying why; the session is kept (its token too, for the retry).
    await expect(apiRequest('/tasks/')).rejects.toThrow(OFFLINE_MESSAGE);
    expect(getAccessToken()).toBe('access-1');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');

    setOnline(true);

    expect(fetchSpy).toHaveBeenCalledTimes(1); // sent from the event itself, not at the next request
    await vi.waitFor(() => expect(getAccessToken()).toBe('access-2'));
    expect(lost.refreshes()).toBe(2);
    expect(refreshed).toHaveBeenCalledWith({ access: 'access-2', user: null });
    expect(expired).not.toHaveBeenCalled();
  });
});

describe('the test setup', () => {
  it('records a request that no handler answered, so the test that made it fails', async () => {
    // The app would show "could not reach the server" and carry on; the test must not.
    await expect(apiRequest('/no-handler/')).rejects.toBeInstanceOf(NetworkError);
    expect(unhandledRequests).toEqual([`GET ${API}/no-handler/`]);
    unhandledRequests.splice(0); // this test wanted it: the setup's check would fail it otherwise
  });
});
