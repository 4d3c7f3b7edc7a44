import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MfaStatus, Passkey } from '@/lib/mfa-status';
import { queryClient } from '@/lib/query-client';
import { queryKeys } from '@/lib/query-keys';
import { mfaStatus, webauthnAccount } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';
import { browserWithSignals } from '@/testing/webauthn-signals';

afterEach(() => vi.unstubAllGlobals());

const PHONE: Passkey = { id: 'p-1', name: 'Phone', created_at: '2026-12-01T09:00:00Z', last_used_at: null, discoverable: true, backed_up: true, credential_id: 'cred-phone' };

function status(registrationPending: boolean): MfaStatus {
  return mfaStatus({
    mfa_enabled: true,
    recovery_codes: { remaining: 10, total: 10 },
    passkeys: [PHONE],
    webauthn: { ...webauthnAccount, registration_pending: registrationPending },
    session: { amr: ['passkey'], aal: 2, authenticated_at: new Date().toISOString(), reauthenticated_until: null },
  });
}

describe('the browser is told the account passkeys', () => {
  it('not while the server knows of a registration still open (another tab or device may hold a new passkey)', async () => {
    const browser = browserWithSignals();
    let current = status(true);
    server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(current)));
    renderApp('/security');
    expect(await screen.findByText('Phone')).toBeInTheDocument();

    // While it is open: nothing, though the list is loaded
    await queryClient.invalidateQueries({ queryKey: queryKeys.mfa });
    expect(browser.accepted()).toEqual([]);

    // Once it is over (saved, or its challenge expired), the list as it is then
    current = status(false);
    await queryClient.invalidateQueries({ queryKey: queryKeys.mfa });
    await waitFor(() => expect(browser.accepted()).toEqual([['cred-phone']]));
  });
});
