import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { readTabValue } from '@/lib/tab-storage';
import { noPendingEmailChange } from '@/testing/account-page-api';
import { mfaStatus, user as ada } from '@/testing/fixtures';
import { capturePageLeaves, GOOGLE, identity, MICROSOFT, oidcIdentities, oidcProviders } from '@/testing/oidc';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

afterEach(() => vi.unstubAllGlobals());

const AUTHORIZE = 'https://login.microsoft.example/authorize?state=s-1';
const REAUTHENTICATE = { detail: "Confirm it's you: re-authenticate (POST /api/auth/reauthenticate/), then try again.", code: 'reauthentication_required' };

/** The account page's other requests. */
function accountPage() {
  server.use(
    http.get(`${API}/auth/sessions/`, () => HttpResponse.json([])),
    http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    noPendingEmailChange,
  );
}

/** "Confirm it's you" with a password, accepted; each confirmation sent is kept. */
function reauthentication() {
  const sent: unknown[] = [];
  server.use(
    http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus())),
    http.post(`${API}/auth/reauthenticate/`, async ({ request }) => {
      sent.push(await request.json());
      return HttpResponse.json({ authenticated_at: '2026-12-05T09:00:00Z', reauthenticated_until: '2026-12-05T09:05:00Z' });
    }),
  );
  return sent;
}

async function panel() {
  return screen.findByRole('region', { name: 'Connected accounts' });
}

describe('connected accounts panel', () => {
  it('is not shown when the server offers no provider and none is connected', async () => {
    accountPage();
    let identitiesRead = 0;
    server.use(
      http.get(`${API}/auth/oidc/identities/`, () => {
        identitiesRead += 1;
        return HttpResponse.json({ has_password: true, identities: [] });
      }),
    );
    renderApp('/account');

    await screen.findByRole('heading', { level: 1, name: 'Account' });
    await waitFor(() => expect(identitiesRead).toBeGreaterThan(0));
    await waitFor(() => expect(queryClient.getQueryState(queryKeys.oidcProviders)?.status).toBe('success'));
    expect(screen.queryByRole('region', { name: 'Connected accounts' })).not.toBeInTheDocument();
  });

  it('says when the connected accounts cannot be read, and reads them again on "Try again"', async () => {
    accountPage();
    let fail = true;
    server.use(
      oidcProviders(),
      http.get(`${API}/auth/oidc/identities/`, () =>
        fail ? HttpResponse.json({ detail: 'Not allowed.', code: 'permission_denied' }, { status: 403 }) : HttpResponse.json({ has_password: true, identities: [identity()] }),
      ),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const region = await panel();
    expect(await within(region).findByText('Could not load your connected accounts. Not allowed.')).toBeInTheDocument();
    // Not knowing which are connected, it offers none to connect.
    expect(within(region).queryByRole('button', { name: 'Connect Google' })).not.toBeInTheDocument();

    fail = false;
    await user.click(within(region).getByRole('button', { name: 'Try again' }));

    expect(await within(region).findByText('ada@gmail.example')).toBeInTheDocument();
  });

  it('lists the connected accounts and offers to connect the providers not connected yet', async () => {
    accountPage();
    server.use(
      oidcProviders([GOOGLE, MICROSOFT]),
      oidcIdentities([identity({ last_used_at: new Date(Date.now() - 3 * 3600_000).toISOString() })]),
    );
    renderApp('/account');

    const region = await panel();
    const list = await within(region).findByRole('list', { name: 'Connected accounts' });
    const row = within(list).getByRole('listitem');
    expect(within(row).getByText('Google')).toBeInTheDocument();
    expect(within(row).getByText('ada@gmail.example')).toBeInTheDocument();
    expect(within(row).getByText(/^Connected /)).toHaveTextContent(/2026/);
    expect(within(row).getByText(/Last used to sign in/)).toHaveTextContent('Last used to sign in 3 hours ago');
    expect(within(row).getByRole('button', { name: 'Disconnect Google (ada@gmail.example)' })).toBeInTheDocument();
    expect(within(region).getByRole('button', { name: 'Connect Microsoft' })).toBeInTheDocument();
    expect(within(region).queryByRole('button', { name: 'Connect Google' })).not.toBeInTheDocument();
  });

  it('shows a connected account even when the server no longer offers its provider', async () => {
    accountPage();
    server.use(oidcIdentities([identity({ provider: 'okta', provider_name: 'Okta' })]));
    renderApp('/account');

    const region = await panel();
    expect(await within(region).findByText('Okta')).toBeInTheDocument();
    expect(within(region).getByText('Not used to sign in yet')).toBeInTheDocument();
    expect(within(region).queryByRole('button', { name: /^Connect/ })).not.toBeInTheDocument();
  });

  it('says when the provider cannot be reached to connect it (503)', async () => {
    accountPage();
    server.use(
      oidcProviders(),
      http.post(`${API}/auth/oidc/google/start/`, () => HttpResponse.json({ detail: 'Unavailable.', code: 'oidc_provider_unavailable' }, { status: 503 })),
    );
    const left = capturePageLeaves();
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Connect Google' }));

    const message = await screen.findByText('Google cannot be reached right now. Try again in a few minutes.');
    expect(message.closest('[role="alert"]')).not.toBeNull();
    expect(left).toEqual([]);
  });

  it('connects a provider after "Confirm it\'s you" when the server asks for it, then goes to the provider', async () => {
    accountPage();
    const confirmations = reauthentication();
    const starts: { body: unknown; authorization: string | null }[] = [];
    server.use(
      oidcProviders([GOOGLE, MICROSOFT]),
      http.post(`${API}/auth/oidc/microsoft/start/`, async ({ request }) => {
        starts.push({ body: await request.json(), authorization: request.headers.get('Authorization') });
        return starts.length === 1 ? HttpResponse.json(REAUTHENTICATE, { status: 403 }) : HttpResponse.json({ authorization_url: AUTHORIZE });
      }),
    );
    const left = capturePageLeaves();
    renderApp('/account', { token: 'access-1' });
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Connect Microsoft' }));
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    await user.type(await within(dialog).findByLabelText('Password'), 'correct horse');
    await user.click(within(dialog).getByRole('button', { name: 'Confirm' }));

    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(confirmations).toEqual([{ password: 'correct horse' }]);
    const sent = { body: { intent: 'connect' }, authorization: 'Bearer access-1' };
    expect(starts).toEqual([sent, sent]);
    expect(screen.getByRole('button', { name: 'Going to Microsoft…' })).toHaveAttribute('aria-disabled', 'true');
    expect(JSON.parse(readTabValue('oidc-flow') ?? 'null')).toEqual({ intent: 'connect', provider: 'Microsoft' });
  });

  it('offers to connect again when the user comes back from the provider with Back (the page restored as it was left)', async () => {
    accountPage();
    server.use(oidcProviders(), http.post(`${API}/auth/oidc/google/start/`, () => HttpResponse.json({ authorization_url: AUTHORIZE })));
    const left = capturePageLeaves();
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Connect Google' }));
    await waitFor(() => expect(left).toEqual([AUTHORIZE]));
    expect(screen.getByRole('button', { name: 'Going to Google…' })).toHaveAttribute('aria-disabled', 'true');

    // Restored from the back/forward cache (persisted), with its state as it was.
    act(() => void window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));

    expect(await screen.findByRole('button', { name: 'Connect Google' })).not.toHaveAttribute('aria-disabled');
  });

  it('does not connect when "Confirm it\'s you" is cancelled, and says so', async () => {
    accountPage();
    reauthentication();
    server.use(oidcProviders(), http.post(`${API}/auth/oidc/google/start/`, () => HttpResponse.json(REAUTHENTICATE, { status: 403 })));
    const left = capturePageLeaves();
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Connect Google' }));
    const dialog = await screen.findByRole('dialog', { name: "Confirm it's you" });
    // Found by waiting: the dialog shows its buttons once it has read the account's sign-in options (GET /auth/mfa/),
    // which may not have answered yet when the dialog appears (always so when its chunk loads in this test, run alone).
    await user.click(await within(dialog).findByRole('button', { name: 'Cancel' }));

    expect(await screen.findByText("Not changed: confirm it's you to make this change.")).toBeInTheDocument();
    expect(left).toEqual([]);
  });

  it('disconnects after a confirmation, says so, and lists the accounts without it', async () => {
    accountPage();
    let connected = [identity(), identity({ id: 'identity-2', provider: 'microsoft', provider_name: 'Microsoft', email: 'ada@outlook.example' })];
    const deleted: string[] = [];
    server.use(
      oidcProviders([GOOGLE, MICROSOFT]),
      http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: true, identities: connected })),
      http.delete(`${API}/auth/oidc/identities/:id/`, ({ params }) => {
        deleted.push(String(params.id));
        connected = connected.filter((one) => one.id !== params.id);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderApp('/account');
    const user = userEvent.setup();

    const region = await panel();
    await user.click(await within(region).findByRole('button', { name: 'Disconnect Google (ada@gmail.example)' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Disconnect Google?' });
    expect(dialog).toHaveTextContent('The Google account ada@gmail.example will no longer sign you in here.');
    expect(dialog).not.toHaveTextContent('no password');
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));

    expect(await within(screen.getByRole('region', { name: 'Notifications' })).findByText('Google disconnected.')).toBeInTheDocument();
    await waitFor(() => expect(within(region).queryByText('ada@gmail.example')).not.toBeInTheDocument());
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
    expect(deleted).toEqual(['identity-1']);
    // The row's button went with it: the focus goes to the next row's.
    await waitFor(() => expect(within(region).getByRole('button', { name: 'Disconnect Microsoft (ada@outlook.example)' })).toHaveFocus());
    expect(within(region).getByRole('button', { name: 'Connect Google' })).toBeInTheDocument();
  });

  it('keeps the dialog open with the reason when the disconnection fails', async () => {
    accountPage();
    server.use(
      oidcIdentities([identity()]),
      http.delete(`${API}/auth/oidc/identities/:id/`, () => HttpResponse.json({ detail: 'The server had a problem.', code: 'server_error' }, { status: 500 })),
    );
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Disconnect Google (ada@gmail.example)' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Disconnect Google?' });
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));

    expect(await within(dialog).findByText('Could not disconnect it: The server had a problem.')).toBeInTheDocument();
  });

  it('closes the dialog when the account was disconnected elsewhere already (404), and reads the list again', async () => {
    accountPage();
    let connected = [identity()];
    server.use(
      http.get(`${API}/auth/oidc/identities/`, () => HttpResponse.json({ has_password: true, identities: connected })),
      http.delete(`${API}/auth/oidc/identities/:id/`, () => {
        connected = [];
        return HttpResponse.json({ detail: 'Not found.', code: 'not_found' }, { status: 404 });
      }),
    );
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Disconnect Google (ada@gmail.example)' }));
    await user.click(within(await screen.findByRole('alertdialog', { name: 'Disconnect Google?' })).getByRole('button', { name: 'Disconnect' }));

    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    // None left, and no provider offered: the panel goes.
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Connected accounts' })).not.toBeInTheDocument());
  });

  it('tells an account with no password how it will sign in once disconnected', async () => {
    accountPage();
    server.use(oidcIdentities([identity()], false));
    renderApp('/account');
    const user = userEvent.setup();

    await user.click(await within(await panel()).findByRole('button', { name: 'Disconnect Google (ada@gmail.example)' }));

    expect(await screen.findByRole('alertdialog', { name: 'Disconnect Google?' })).toHaveTextContent(
      'Your account has no password: sign in afterwards with an emailed code or another connected account, or set a password first.',
    );
  });
});

describe('connecting a provider with an unconfirmed address', () => {
  const EMAIL_NOT_VERIFIED = {
    detail: 'Confirm your email address before connecting a sign-in provider: follow the link we emailed you, or ask for a new one.',
    code: 'email_not_verified',
  };
  const unverified = { ...ada, email_verified: false };

  it('shows the server\'s reason when it refuses to start (403 email_not_verified), and leaves nothing', async () => {
    accountPage();
    const starts: unknown[] = [];
    server.use(
      oidcProviders(),
      http.post(`${API}/auth/oidc/google/start/`, async ({ request }) => {
        starts.push(await request.json());
        return HttpResponse.json(EMAIL_NOT_VERIFIED, { status: 403 });
      }),
    );
    const left = capturePageLeaves();
    // This tab's user says the address is confirmed (it was, say, changed in another tab since): the server decides.
    renderApp('/account');
    const user = userEvent.setup();

    const region = await panel();
    await user.click(await within(region).findByRole('button', { name: 'Connect Google' }));

    const message = await within(region).findByText(EMAIL_NOT_VERIFIED.detail);
    expect(message.closest('[role="alert"]')).not.toBeNull();
    expect(starts).toEqual([{ intent: 'connect' }]);
    expect(left).toEqual([]);
    expect(readTabValue('oidc-flow')).toBeNull();
  });

  it('offers no "Connect" while the address is unconfirmed and the server asks for it, and says why', async () => {
    accountPage();
    server.use(oidcProviders(), http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ email_confirmation_required: true }))));
    renderApp('/account', { user: unverified });

    const region = await panel();
    expect(
      await within(region).findByText(/Confirm your email address before connecting a sign-in provider: open the link we emailed to/),
    ).toHaveTextContent('ada@example.com');
    expect(within(region).queryByRole('button', { name: /^Connect/ })).not.toBeInTheDocument();
  });

  it('offers "Connect" to an unconfirmed address when the server does not ask for one (verification off)', async () => {
    accountPage();
    server.use(oidcProviders(), http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ email_confirmation_required: false }))));
    renderApp('/account', { user: unverified });

    const region = await panel();
    expect(await within(region).findByRole('button', { name: 'Connect Google' })).toBeInTheDocument();
    await waitFor(() => expect(queryClient.getQueryState(queryKeys.mfa)?.status).toBe('success'));
    expect(within(region).getByRole('button', { name: 'Connect Google' })).toBeInTheDocument();
    expect(within(region).queryByText(/Confirm your email address/)).not.toBeInTheDocument();
  });
});
