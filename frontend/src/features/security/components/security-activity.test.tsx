import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { MfaStatus } from '@/lib/mfa-status';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { mfaStatus, page } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

const TWO_STEPS: MfaStatus = mfaStatus({
  mfa_enabled: true,
  totp: { enabled: true, pending: false, confirmed_at: '2026-12-01T09:00:00Z' },
  recovery_codes: { remaining: 9, total: 10 },
  session: { amr: ['pwd', 'otp'], aal: 2, authenticated_at: new Date().toISOString(), reauthenticated_until: null },
});

/** The security activity as the account page loaded it earlier (cached, fresh): stale once the server records more. */
const ACTIVITY_KEY = [...queryKeys.activity, { page: 1 }];
function activitySeenEarlier() {
  queryClient.setQueryData(ACTIVITY_KEY, page([]));
  return () => queryClient.getQueryState(ACTIVITY_KEY)?.isInvalidated;
}

describe('the security activity after changes made on the security page', () => {
  it('is read again after new recovery codes are made (recorded by the server)', async () => {
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(TWO_STEPS)),
      http.post(`${API}/auth/mfa/recovery-codes/`, () => HttpResponse.json({ recovery_codes: ['aaaa-bbbb-cccc-dddd'] })),
    );
    const stale = activitySeenEarlier();
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Make new codes…' }));
    expect(stale()).toBe(false);
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Make new codes' }));

    expect(await screen.findByText('aaaa-bbbb-cccc-dddd')).toBeInTheDocument();
    expect(stale()).toBe(true);
  });

  it('is read again after a wrong code given to turn the app off (recorded too), not only after a success', async () => {
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(TWO_STEPS)),
      http.delete(`${API}/auth/mfa/totp/`, () =>
        HttpResponse.json({ detail: 'That code is not right, or it was already used. Enter the current code, or a recovery code.', code: 'mfa_code_invalid' }, { status: 400 }),
      ),
    );
    const stale = activitySeenEarlier();
    renderApp('/security');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Turn off…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' });
    await user.type(within(dialog).getByLabelText('Authenticator code'), '000000');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));

    await waitFor(() => expect(stale()).toBe(true));
    expect(screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' })).toBeInTheDocument();
    // Said for this dialog's 6-digit field, pointing to its own recovery-code button (beside the field's hint).
    expect(within(dialog).getByLabelText('Authenticator code')).toHaveAccessibleDescription(
      expect.stringContaining("That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose “Use a recovery code”."),
    );
    expect(within(dialog).getByRole('button', { name: 'Use a recovery code' })).toBeInTheDocument();
  });

  it('is read again after a wrong code given to turn the app on (recorded too)', async () => {
    const off: MfaStatus = { ...TWO_STEPS, mfa_enabled: false, totp: { enabled: false, pending: false, confirmed_at: null }, recovery_codes: { remaining: 0, total: 0 } };
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>';
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(off)),
      http.post(`${API}/auth/mfa/totp/`, () => HttpResponse.json({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x', qr_svg: svg }, { status: 201 })),
      http.post(`${API}/auth/mfa/totp/confirm/`, () => HttpResponse.json({ detail: 'Wrong code.', code: 'mfa_code_invalid' }, { status: 400 })),
    );
    const stale = activitySeenEarlier();
    renderApp('/security');
    const user = userEvent.setup();
    const panel = await screen.findByRole('region', { name: 'Authenticator app' });

    await user.click(within(panel).getByRole('button', { name: 'Set up an authenticator app' }));
    await user.type(await within(panel).findByLabelText('Code from the app'), '111111');
    await user.click(within(panel).getByRole('button', { name: 'Turn on' }));

    expect(await within(panel).findByText("That code didn't match. Enter the code your app shows now; if it keeps failing, check that your phone's clock is set automatically.")).toBeInTheDocument();
    await waitFor(() => expect(stale()).toBe(true));
  });
});
