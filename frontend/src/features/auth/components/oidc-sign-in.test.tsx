import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { readTabValue } from '@/lib/tab-storage';
import { capturePageLeaves, GOOGLE, MICROSOFT, oidcProviders } from '@/testing/oidc';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

afterEach(() => vi.unstubAllGlobals());

const AUTHORIZE = 'https://accounts.google.example/o/oauth2/auth?client_id=spa&state=s-1';

/** POST /auth/oidc/{provider}/start/: what it was sent (path, body, whether with a token), answered by `answer`. */
function starts(answer: () => Response = () => HttpResponse.json({ authorization_url: AUTHORIZE })) {
  const sent: { provider: string; body: unknown; authorization: string | null }[] = [];
  server.use(
    http.post(`${API}/auth/oidc/:provider/start/`, async ({ request, params }) => {
      sent.push({ provider: String(params.provider), body: await request.json(), authorization: request.headers.get('Authorization') });
      return answer();
    }),
  );
  return sent;
}

describe('"Continue with …" on the sign-in page', () => {
  it('shows no provider buttons, and no error, when the providers cannot be read: the page works without them', async () => {
    let asked = 0;
    server.use(
      http.get(`${API}/auth/oidc/providers/`, () => {
        asked += 1;
        return HttpResponse.json({ detail: 'Server error.', code: 'server_error' }, { status: 500 });
      }),
    );
    renderApp('/login', { as: 'anonymous' });

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    await waitFor(() => expect(queryClient.getQueryState(queryKeys.oidcProviders)?.fetchFailureCount).toBeGreaterThan(0));
    expect(asked).toBeGreaterThan(0);
    expect(screen.queryByRole('button', { name: /^Continue with (?!a passkey)/ })).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
    expect(screen.queryByText(/Server error/)).not.toBeInTheDocument();
  });

  it('is not there at all when the server offers no provider (the default): the page is as it was without them', async () => {
    renderApp('/login', { as: 'anonymous' });

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    await waitFor(() => expect(queryClient.getQueryState(queryKeys.oidcProviders)?.status).toBe('success'));
    expect(screen.queryByRole('button', { name: /^Continue with (?!a passkey)/ })).not.toBeInTheDocument();
    expect(screen.queryByText('or')).not.toBeInTheDocument();
    expect(screen.getAllByRole('alert').every((region) => region.textContent === '')).toBe(true);
  });

  it('does not wait for the providers: the form is there while they load', async () => {
    server.use(http.get(`${API}/auth/oidc/providers/`, () => new Promise<Response>(() => undefined)));
    renderApp('/login', { as: 'anonymous' });

    expect(await screen.findByLabelText('Email')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('says when the provider cannot be reached (503), and the buttons work again', async () => {
    server.use(oidcProviders());
    const sent = starts(() => HttpResponse.json({ detail: 'Unavailable.', code: 'oidc_provider_unavailable' }, { status: 503 }));
    const left = capturePageLeaves();
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with Google' }));

    const alert = await screen.findByText('Google cannot be reached right now. Try again in a few minutes.');
    expect(alert.closest('[role="alert"]')).not.toBeNull();
    expect(screen.getByRole('button', { name: 'Continue with Google' })).not.toHaveAttribute('aria-disabled');
    expect(sent).toHaveLength(1);
    expect(left).toEqual([]);
  });

  it('says how long to wait when rate limited (429)', async () => {
    server.use(oidcProviders());
    starts(() => HttpResponse.json({ detail: 'Request was throttled.', code: 'throttled' }, { status: 429, headers: { 'Retry-After': '120' } }));
    capturePageLeaves();
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with Google' }));

    expect(await screen.findByText('Too many attempts. Try again in 2 minutes.')).toBeInTheDocument();
  });

  it('does not follow an authorization address that is not http(s)', async () => {
    server.use(oidcProviders());
    starts(() => HttpResponse.json({ authorization_url: 'javascript:alert(1)' }));
    const left = capturePageLeaves();
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with Google' }));

    expect(await screen.findByText(/The server sent an answer this page does not understand/)).toBeInTheDocument();
    expect(left).toEqual([]);
    expect(readTabValue('oidc-flow')).toBeNull();
  });

  it('offers one button per provider under an "or", starts a sign-in with the one pressed and goes to its page', async () => {
    server.use(oidcProviders([GOOGLE, MICROSOFT]));
    const sent = starts();
    const left = capturePageLeaves();
    renderApp('/login?next=%2Ftasks%3Fstatus%3Ddone', { as: 'anonymous' });
    const user = userEvent.setup();

    const google = await screen.findByRole('button', { name: 'Continue with Google' });
    expect(screen.getByRole('button', { name: 'Continue with Microsoft' })).toBeInTheDocument();
    expect(screen.getByText('or')).toBeInTheDocument();
    // The form's own button keeps its name: the only "Sign in".
    expect(screen.getAllByRole('button', { name: /Sign in/ })).toHaveLength(1);

    await user.click(google);

    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(sent).toEqual([{ provider: 'google', body: { intent: 'sign_in' }, authorization: null }]);
    // On its way: the buttons stay unavailable until the page unloads.
    expect(screen.getByRole('button', { name: 'Going to Google…' })).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByRole('button', { name: 'Continue with Microsoft' })).toHaveAttribute('aria-disabled', 'true');
    // What the callback page needs after the round trip: who, and where to go then.
    expect(JSON.parse(readTabValue('oidc-flow') ?? 'null')).toEqual({ intent: 'sign_in', provider: 'Google', next: '/tasks?status=done' });
  });

  it('offers its buttons again when the user comes back from the provider with Back (the page restored as it was left)', async () => {
    server.use(oidcProviders());
    starts();
    const left = capturePageLeaves();
    renderApp('/login', { as: 'anonymous' });
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Continue with Google' }));
    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(screen.getByRole('button', { name: 'Going to Google…' })).toHaveAttribute('aria-disabled', 'true');

    // Restored from the back/forward cache (persisted), with its state as it was.
    act(() => void window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));

    expect(await screen.findByRole('button', { name: 'Continue with Google' })).not.toHaveAttribute('aria-disabled');
  });
});

describe('"Continue with …" on the registration page', () => {
  it('starts the same sign-in (the first one creates the account)', async () => {
    server.use(oidcProviders());
    const sent = starts();
    const left = capturePageLeaves();
    renderApp('/register', { as: 'anonymous' });
    const user = userEvent.setup();

    const button = await screen.findByRole('button', { name: 'Continue with Google' });
    // Below the form, apart from it: Enter in the form still creates the account with the password.
    expect(within(screen.getByRole('button', { name: 'Create account' }).closest('form')!).queryByRole('button', { name: 'Continue with Google' })).toBeNull();
    await user.click(button);

    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(sent).toEqual([{ provider: 'google', body: { intent: 'sign_in' }, authorization: null }]);
    expect(JSON.parse(readTabValue('oidc-flow') ?? 'null')).toEqual({ intent: 'sign_in', provider: 'Google' });
  });
});
