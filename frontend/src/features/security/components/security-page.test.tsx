import { startRegistration } from '@simplewebauthn/browser';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Passkey } from '@/lib/mfa-status';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { renderApp } from '@/testing/render';
import { mfaStatus, webauthnAccount } from '@/testing/fixtures';
import { API, server } from '@/testing/server';
import { isolating } from '@/testing/isolating';
import { browserWithSignals } from '@/testing/webauthn-signals';

// jsdom has no WebAuthn: the browser's ceremony is stubbed (the browser test runs the real one).
vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

afterEach(() => vi.unstubAllGlobals());

const CODES = Array.from({ length: 10 }, (_, i) => `code-${i}abc-defg-hijk`);

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>';

describe('security page', () => {
  it('says how this session was signed in', async () => {
    const withApp = { mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T08:00:00Z' } };
    server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ ...withApp, session: { amr: ['pwd', 'otp'], aal: 2, authenticated_at: null, reauthenticated_until: null } }))));
    renderApp('/security');
    const panel = await screen.findByRole('region', { name: 'This session' });
    expect(within(panel).getByText('Password + authenticator app')).toBeInTheDocument();
    expect(within(panel).getByText(/Two steps/)).toBeInTheDocument();
    expect(document.title).toBe('Security · Scalable Auth Dashboard');
  });

  it('says what sensitive changes ask for by the account, not by how this session signed in', async () => {
    // (a password session from before the app was added: the server asks it for the app too)
    const withApp = { mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T08:00:00Z' } };
    server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus(withApp))));
    renderApp('/security');
    const panel = await screen.findByRole('region', { name: 'This session' });
    expect(within(panel).getByText('Two steps: sensitive changes ask for your authenticator app.')).toBeInTheDocument();
  });

  it.each([
    ['a passkey only', { totp: { enabled: false, pending: false, confirmed_at: null } }, 'Two steps: sensitive changes ask for a passkey.'],
    ['the app and a passkey', { totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T08:00:00Z' } }, 'Two steps: sensitive changes ask for your authenticator app or a passkey.'],
  ])('names only the second factors the account has: %s', async (_has, totp, said) => {
    const laptop: Passkey = { id: 'p-1', name: 'Laptop', created_at: '2026-12-01T09:00:00Z', last_used_at: null, discoverable: true, backed_up: true, credential_id: 'cred-laptop' };
    server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ mfa_enabled: true, passkeys: [laptop], ...totp }))));
    renderApp('/security');
    const panel = await screen.findByRole('region', { name: 'This session' });
    expect(within(panel).getByText(said)).toBeInTheDocument();
  });

  it('sets up the authenticator app: QR image, key, code, then the recovery codes once', async () => {
    let current = mfaStatus();
    const confirmed: unknown[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(current)),
      http.post(`${API}/auth/mfa/totp/`, () => HttpResponse.json({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x', qr_svg: SVG }, { status: 201 })),
      http.post(`${API}/auth/mfa/totp/confirm/`, async ({ request }) => {
        const body = (await request.json()) as { code: string };
        confirmed.push(body);
        if (body.code !== '654321') return HttpResponse.json({ detail: 'Wrong code.', code: 'mfa_code_invalid' }, { status: 400 });
        current = mfaStatus({
          mfa_enabled: true,
          totp: { enabled: true, pending: false, confirmed_at: '2026-12-05T09:00:00Z' },
          recovery_codes: { remaining: 10, total: 10 },
        });
        return HttpResponse.json({ recovery_codes: CODES });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();
    const panel = await screen.findByRole('region', { name: 'Authenticator app' });

    await user.click(within(panel).getByRole('button', { name: 'Set up an authenticator app' }));

    const qr = await within(panel).findByRole('img', { name: /QR code/ });
    expect(qr.getAttribute('src')).toBe(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(SVG)}`);
    // Shown as an image only: the server's SVG is never inserted as markup.
    expect(panel.querySelector('svg')).toBeNull();
    expect(within(panel).getByTestId('totp-secret')).toHaveTextContent('JBSW Y3DP EHPK 3PXP');
    await waitFor(() => expect(within(panel).getByRole('heading', { name: 'Set up your authenticator app' })).toHaveFocus());

    await user.type(within(panel).getByLabelText('Code from the app'), '111111');
    await user.click(within(panel).getByRole('button', { name: 'Turn on' }));
    expect(await within(panel).findByText("That code didn't match. Enter the code your app shows now; if it keeps failing, check that your phone's clock is set automatically.")).toBeInTheDocument();

    await user.clear(within(panel).getByLabelText('Code from the app'));
    await user.type(within(panel).getByLabelText('Code from the app'), '654321');
    await user.click(within(panel).getByRole('button', { name: 'Turn on' }));

    const dialog = await screen.findByRole('dialog', { name: 'Save your recovery codes' });
    const list = within(dialog).getByRole('list', { name: 'Recovery codes' });
    expect(within(list).getAllByRole('listitem').map((item) => item.textContent)).toEqual(CODES);
    expect(within(dialog).getByRole('button', { name: 'Download as .txt' })).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Copy' })).toHaveFocus();
    expect(confirmed).toEqual([{ code: '111111' }, { code: '654321' }]);

    await user.click(within(dialog).getByRole('button', { name: 'I saved them' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.queryByText(CODES[0]!)).not.toBeInTheDocument();
    expect(await within(panel).findByText('On')).toBeInTheDocument();
    expect(await screen.findByText('10 of 10 codes left.', { exact: false })).toBeInTheDocument();
  });

  it('given the app is on, when Turn off asks for a code, then its fields say what sign-in\'s second step says: label, hint and refusal', async () => {
    const enabled = mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T09:00:00Z' }, recovery_codes: { remaining: 9, total: 10 } });
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(enabled)),
      http.delete(`${API}/auth/mfa/totp/`, () =>
        HttpResponse.json({ detail: 'That code is not right, or it was already used. Enter the current code, or a recovery code.', code: 'mfa_code_invalid' }, { status: 400 }),
      ),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Turn off…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' });
    const code = within(dialog).getByLabelText('Authenticator code');
    expect(code).toHaveAccessibleDescription('The 6-digit code your authenticator app shows now.');
    expect(code).toHaveAttribute('autocomplete', 'one-time-code');
    await user.type(code, '000000');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    expect(await within(dialog).findByText(/^That code didn't work/)).toBeInTheDocument();
    expect(within(dialog).getByLabelText('Authenticator code')).toHaveAccessibleDescription(
      "That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose “Use a recovery code”. The 6-digit code your authenticator app shows now.",
    );

    await user.click(within(dialog).getByRole('button', { name: 'Use a recovery code' }));
    expect(within(dialog).getByLabelText('Recovery code')).toHaveAccessibleDescription(
      'One of the codes you saved when you turned on two-step verification, written like xxxx-xxxx-xxxx-xxxx. Each works once.',
    );
    await user.type(within(dialog).getByLabelText('Recovery code'), 'aaaa-bbbb-cccc-0000');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    expect(await within(dialog).findByText(/^That recovery code didn't work/)).toBeInTheDocument();
  });

  it('turns the app off with a recovery code', async () => {
    const enabled = mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T09:00:00Z' }, recovery_codes: { remaining: 9, total: 10 } });
    const bodies: unknown[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(enabled)),
      http.delete(`${API}/auth/mfa/totp/`, async ({ request }) => {
        bodies.push(await request.json());
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Turn off…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' });
    expect(within(dialog).getByLabelText('Authenticator code')).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Use a recovery code' }));
    await user.type(within(dialog).getByLabelText('Recovery code'), 'aaaa-bbbb-cccc-dddd');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));

    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(bodies).toEqual([{ recovery_code: 'aaaa-bbbb-cccc-dddd' }]);
    expect(await screen.findByText('Authenticator app turned off.')).toBeInTheDocument();
  });

  it('adds a passkey: the browser creates it, the user names it, the first factor brings recovery codes', async () => {
    const browser = browserWithSignals();
    const attestation = { id: 'new-cred', rawId: 'new-cred', type: 'public-key', response: {}, clientExtensionResults: {} };
    vi.mocked(startRegistration).mockResolvedValueOnce(attestation as never);
    const added: Passkey = { id: 'p-1', name: 'Laptop', created_at: '2026-12-05T09:00:00Z', last_used_at: null, discoverable: true, backed_up: true, credential_id: 'cred-laptop' };
    let current = mfaStatus();
    const bodies: unknown[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(current)),
      http.post(`${API}/auth/mfa/passkeys/options/`, () => HttpResponse.json({ registration_token: 'reg-1', options: { challenge: 'c' } })),
      http.post(`${API}/auth/mfa/passkeys/`, async ({ request }) => {
        bodies.push(await request.json());
        current = mfaStatus({ mfa_enabled: true, passkeys: [added], recovery_codes: { remaining: 10, total: 10 } });
        return HttpResponse.json({ passkey: added, recovery_codes: CODES }, { status: 201 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Add a passkey' }));
    const naming = await screen.findByRole('dialog', { name: 'Name your passkey' });
    const name = within(naming).getByLabelText('Name');
    expect(name).toHaveValue('Passkey');
    await user.clear(name);
    await user.type(name, 'Laptop');
    await user.click(within(naming).getByRole('button', { name: 'Save passkey' }));

    expect(await screen.findByRole('dialog', { name: 'Save your recovery codes' })).toBeInTheDocument();
    expect(bodies).toEqual([{ registration_token: 'reg-1', name: 'Laptop', passkey: attestation }]);
    expect(vi.mocked(startRegistration)).toHaveBeenCalledWith({ optionsJSON: { challenge: 'c' } });
    await user.click(screen.getByRole('button', { name: 'I saved them' }));
    const row = await screen.findByTestId('passkey-row');
    expect(within(row).getByText('Laptop')).toBeInTheDocument();
    expect(within(row).getByText('Synced')).toBeInTheDocument();
    expect(within(row).getByText('Never used')).toBeInTheDocument();
    // The browser heard of the account's passkeys on the first load and once the new one was saved; never in
    // between, when the list still lacked the passkey being added (the browser would have dropped it).
    await waitFor(() => expect(browser.accepted()).toEqual([[], ['cred-laptop']]));
    expect(browser.calls).toContainEqual(['allAccepted', { rpId: 'localhost', userId: webauthnAccount.user_handle, allAcceptedCredentialIds: ['cred-laptop'] }]);
    expect(browser.calls).toContainEqual(['userDetails', { rpId: 'localhost', userId: webauthnAccount.user_handle, name: 'ada@example.com', displayName: 'Ada Lovelace' }]);
    expect(browser.calls.filter(([method]) => method === 'unknown')).toEqual([]);
  });

  it('does not tell the browser a list that changed while a passkey is being added: it would drop the new one', async () => {
    const browser = browserWithSignals();
    let created: (attestation: unknown) => void = () => {};
    vi.mocked(startRegistration).mockReturnValueOnce(new Promise((resolve) => (created = resolve)) as never);
    const other: Passkey = { id: 'p-0', name: 'Key', created_at: '2026-12-01T09:00:00Z', last_used_at: null, discoverable: false, backed_up: false, credential_id: 'cred-key' };
    const added: Passkey = { ...other, id: 'p-1', name: 'Passkey', credential_id: 'new-cred' };
    let current = mfaStatus();
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(current)),
      http.post(`${API}/auth/mfa/passkeys/options/`, () => HttpResponse.json({ registration_token: 'reg-1', options: { challenge: 'c' } })),
      http.post(`${API}/auth/mfa/passkeys/`, () => {
        current = mfaStatus({ mfa_enabled: true, passkeys: [other, added] });
        return HttpResponse.json({ passkey: added, recovery_codes: [] }, { status: 201 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Add a passkey' }));
    await user.click(within(await screen.findByRole('dialog', { name: 'Name your passkey' })).getByRole('button', { name: 'Save passkey' }));
    await waitFor(() => expect(vi.mocked(startRegistration)).toHaveBeenCalled());

    // While the browser's prompt is open, another device adds a passkey and this page reads the list again
    current = mfaStatus({ mfa_enabled: true, passkeys: [other] });
    await queryClient.invalidateQueries({ queryKey: queryKeys.mfa });
    expect(await screen.findByText('Key')).toBeInTheDocument();
    created({ id: 'new-cred', rawId: 'new-cred', type: 'public-key', response: {}, clientExtensionResults: {} });

    expect(await screen.findByText(isolating('Passkey “Passkey” added.', 'Passkey'))).toBeInTheDocument();
    await waitFor(() => expect(browser.accepted()).toEqual([[], ['cred-key', 'new-cred']]));
  });

  it.each([
    [400, { detail: 'That passkey could not be verified.', code: 'passkey_invalid' }, [['unknown', { rpId: 'localhost', credentialId: 'new-cred' }]]],
    [503, { detail: 'The database cannot be reached right now.', code: 'service_unavailable' }, []],
  ])('a save the server answers with %i: the browser forgets the new passkey only when nothing was saved', async (statusCode, body, expected) => {
    const browser = browserWithSignals();
    vi.mocked(startRegistration).mockResolvedValueOnce({ id: 'new-cred', rawId: 'new-cred', type: 'public-key', response: {}, clientExtensionResults: {} } as never);
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus())),
      http.post(`${API}/auth/mfa/passkeys/options/`, () => HttpResponse.json({ registration_token: 'reg-1', options: { challenge: 'c' } })),
      http.post(`${API}/auth/mfa/passkeys/`, () => HttpResponse.json(body, { status: statusCode, headers: { 'Retry-After': '1' } })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Add a passkey' }));
    const naming = await screen.findByRole('dialog', { name: 'Name your passkey' });
    await user.click(within(naming).getByRole('button', { name: 'Save passkey' }));

    expect(await within(naming).findByText(body.detail, { exact: false })).toBeInTheDocument();
    await waitFor(() => expect(browser.calls.filter(([method]) => method === 'unknown')).toEqual(expected));
  });

  it('names a passkey before the browser creates it: a closed prompt keeps the dialog and saves nothing', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    vi.mocked(startRegistration).mockClear();
    vi.mocked(startRegistration).mockRejectedValueOnce(Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' }));
    const bodies: unknown[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus())),
      http.post(`${API}/auth/mfa/passkeys/options/`, () => HttpResponse.json({ registration_token: 'reg-1', options: { challenge: 'c' } })),
      http.post(`${API}/auth/mfa/passkeys/`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({}, { status: 500 });
      }),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Add a passkey' }));
    const naming = await screen.findByRole('dialog', { name: 'Name your passkey' });
    expect(vi.mocked(startRegistration)).not.toHaveBeenCalled();
    await user.click(within(naming).getByRole('button', { name: 'Save passkey' }));

    expect(await within(naming).findByText('The passkey prompt was closed or timed out. Try again, or choose another way.')).toBeInTheDocument();
    expect(vi.mocked(startRegistration)).toHaveBeenCalledTimes(1);
    expect(bodies).toEqual([]);
  });

  it('renames and deletes a passkey, and the browser hears that it is gone', async () => {
    const browser = browserWithSignals();
    let passkeys: Passkey[] = [{ id: 'p-1', name: 'Phone', created_at: '2026-12-01T09:00:00Z', last_used_at: '2026-12-04T09:00:00Z', discoverable: true, backed_up: false, credential_id: 'cred-phone' }];
    const calls: string[] = [];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ mfa_enabled: passkeys.length > 0, passkeys }))),
      http.patch(`${API}/auth/mfa/passkeys/:id/`, async ({ params, request }) => {
        const { name } = (await request.json()) as { name: string };
        calls.push(`rename ${String(params.id)} ${name}`);
        passkeys = passkeys.map((passkey) => ({ ...passkey, name }));
        return HttpResponse.json(passkeys[0]);
      }),
      http.delete(`${API}/auth/mfa/passkeys/:id/`, ({ params }) => {
        calls.push(`delete ${String(params.id)}`);
        passkeys = [];
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: /^Rename Phone,/ }));
    const dialog = screen.getByRole('dialog', { name: 'Rename passkey' });
    // The passkey's name (the user's) is isolated in the sentences that give it: written right to left, it keeps them in order.
    expect(within(dialog).getByText(isolating('A new name for “Phone”.', 'Phone'))).toBeInTheDocument();
    await user.clear(within(dialog).getByLabelText('Name'));
    await user.type(within(dialog).getByLabelText('Name'), 'Work phone');
    await user.click(within(dialog).getByRole('button', { name: 'Rename' }));
    await user.click(await screen.findByRole('button', { name: /^Delete Work phone,/ }));
    const confirm = screen.getByRole('alertdialog', { name: 'Delete this passkey?' });
    expect(within(confirm).getByText(isolating(/^“Work phone” will no longer sign in to your account\./, 'Work phone'))).toBeInTheDocument();
    await user.click(within(confirm).getByRole('button', { name: 'Delete passkey' }));

    expect(await screen.findByText('No passkeys yet.')).toBeInTheDocument();
    expect(screen.getByText(isolating('Passkey “Work phone” deleted.', 'Work phone'))).toBeInTheDocument();
    expect(calls).toEqual(['rename p-1 Work phone', 'delete p-1']);
    await waitFor(() => expect(browser.accepted()).toEqual([['cred-phone'], []]));
  });

  describe('set-up and one-time codes, by keyboard and on a phone', () => {
    /** The set-up's handlers: the app is on once "654321" is confirmed, with CODES as its first recovery codes. */
    function answerSetUp() {
      let current = mfaStatus();
      server.use(
        http.get(`${API}/auth/mfa/`, () => HttpResponse.json(current)),
        http.post(`${API}/auth/mfa/totp/`, () => HttpResponse.json({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP', qr_svg: SVG }, { status: 201 })),
        http.post(`${API}/auth/mfa/totp/confirm/`, () => {
          current = mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-05T09:00:00Z' }, recovery_codes: { remaining: 10, total: 10 } });
          return HttpResponse.json({ recovery_codes: CODES });
        }),
        http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
      );
    }

    async function startSetUp() {
      renderApp('/security');
      const user = userEvent.setup();
      const panel = await screen.findByRole('region', { name: 'Authenticator app' });
      await user.click(within(panel).getByRole('button', { name: 'Set up an authenticator app' }));
      await within(panel).findByRole('heading', { name: 'Set up your authenticator app' });
      return { user, panel };
    }

    it('keeps the new recovery codes until "I saved them": no ×, and Escape or a click beside them do nothing', async () => {
      answerSetUp();
      const { user, panel } = await startSetUp();
      await user.type(within(panel).getByLabelText('Code from the app'), '654321');
      await user.click(within(panel).getByRole('button', { name: 'Turn on' }));
      const dialog = await screen.findByRole('dialog', { name: 'Save your recovery codes' });

      expect(within(dialog).queryByRole('button', { name: 'Close' })).not.toBeInTheDocument();
      await user.keyboard('{Escape}');
      expect(screen.getByRole('dialog', { name: 'Save your recovery codes' })).toBe(dialog);
      // A click on the <dialog> element itself is one on its backdrop.
      fireEvent.click(dialog);
      expect(screen.getByRole('dialog', { name: 'Save your recovery codes' })).toBe(dialog);
      expect(within(dialog).getAllByRole('listitem')).toHaveLength(10);

      await user.click(within(dialog).getByRole('button', { name: 'I saved them' }));
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    });

    it('after the set-up, the recovery codes give the focus back to the panel, not to <body>', async () => {
      answerSetUp();
      const { user, panel } = await startSetUp();
      await user.type(within(panel).getByLabelText('Code from the app'), '654321');
      await user.click(within(panel).getByRole('button', { name: 'Turn on' }));
      const dialog = await screen.findByRole('dialog', { name: 'Save your recovery codes' });

      await user.click(within(dialog).getByRole('button', { name: 'I saved them' }));

      expect(within(panel).getByRole('heading', { name: 'Authenticator app' })).toHaveFocus();
      expect(await within(panel).findByRole('button', { name: 'Turn off…' })).toBeInTheDocument();
    });

    it('Cancel during the set-up leaves the focus on the panel, not on <body>', async () => {
      answerSetUp();
      const { user, panel } = await startSetUp();

      await user.click(within(panel).getByRole('button', { name: 'Cancel' }));

      expect(within(panel).queryByRole('heading', { name: 'Set up your authenticator app' })).not.toBeInTheDocument();
      expect(within(panel).getByRole('heading', { name: 'Authenticator app' })).toHaveFocus();
      await user.tab();
      expect(within(panel).getByRole('button', { name: 'Set up an authenticator app' })).toHaveFocus();
    });

    it('on a phone, whose own screen cannot be scanned: a link to the app, and the key to copy', async () => {
      answerSetUp();
      const { user, panel } = await startSetUp();

      expect(within(panel).getByRole('link', { name: 'Open in your authenticator app' })).toHaveAttribute('href', 'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP');
      await user.click(within(panel).getByRole('button', { name: 'Copy key' }));
      // The key itself, not the spaced-out groups shown for reading.
      await waitFor(async () => expect(await navigator.clipboard.readText()).toBe('JBSWY3DPEHPK3PXP'));
      expect(await within(panel).findByRole('status')).toHaveTextContent('Key copied.');
    });

    it('says so when the key cannot be copied', async () => {
      answerSetUp();
      const { user, panel } = await startSetUp();
      vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValueOnce(new DOMException('Denied', 'NotAllowedError'));

      await user.click(within(panel).getByRole('button', { name: 'Copy key' }));

      expect(await within(panel).findByText('Could not copy here: select the key and copy it.')).toBeInTheDocument();
    });
  });

  it('cannot cancel turning the app off while it is being turned off: it finishes, and says so', async () => {
    const enabled = mfaStatus({ mfa_enabled: true, totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T09:00:00Z' }, recovery_codes: { remaining: 9, total: 10 } });
    let answer: (() => void) | undefined;
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(enabled)),
      http.delete(`${API}/auth/mfa/totp/`, async () => {
        await new Promise<void>((resolve) => {
          answer = resolve;
        });
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json({ count: 0, next: null, previous: null, results: [] })),
    );
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Turn off…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' });
    await user.type(within(dialog).getByLabelText('Authenticator code'), '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));
    await within(dialog).findByRole('button', { name: 'Turning off…' });
    await waitFor(() => expect(answer).toBeDefined());

    const cancel = within(dialog).getByRole('button', { name: 'Cancel' });
    expect(cancel).toHaveAttribute('aria-disabled', 'true');
    await user.click(cancel);
    expect(screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' })).toBe(dialog);

    answer?.();
    expect(await screen.findByText('Authenticator app turned off.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });
});
