import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { formatDay } from '@/lib/format';
import type { MfaStatus, Passkey } from '@/lib/mfa-status';
import { mfaStatus } from '@/testing/fixtures';
import { renderApp } from '@/testing/render';
import { API, server } from '@/testing/server';

/** Two-step verification on, a session signed in with both factors. */
function status(overrides: Partial<MfaStatus> = {}): MfaStatus {
  return mfaStatus({
    mfa_enabled: true,
    recovery_codes: { remaining: 10, total: 10 },
    session: { amr: ['pwd', 'otp'], aal: 2, authenticated_at: new Date().toISOString(), reauthenticated_until: null },
    ...overrides,
  });
}

function passkey(id: string, name: string, createdAt: string): Passkey {
  return { id, name, created_at: createdAt, last_used_at: null, discoverable: true, backed_up: false, credential_id: `cred-${id}` };
}

const EMPTY_ACTIVITY = { count: 0, next: null, previous: null, results: [] };

describe('security page: what has the focus once a row is gone, and which row a button is for', () => {
  it('two passkeys of the same name: their buttons still say which is which (the date each was added)', async () => {
    server.use(
      http.get(`${API}/auth/mfa/`, () =>
        HttpResponse.json(status({ passkeys: [passkey('p-1', 'Laptop', '2026-11-02T12:00:00Z'), passkey('p-2', 'Laptop', '2026-12-05T12:00:00Z')] })),
      ),
    );
    renderApp('/security');

    const list = await screen.findByRole('list', { name: 'Your passkeys' });
    const deletes = within(list).getAllByRole('button', { name: /^Delete Laptop/ });
    expect(deletes.map((button) => button.getAttribute('aria-label'))).toEqual([
      `Delete Laptop, added ${formatDay('2026-11-02T12:00:00Z')}`,
      `Delete Laptop, added ${formatDay('2026-12-05T12:00:00Z')}`,
    ]);
    expect(within(list).getByRole('button', { name: `Rename Laptop, added ${formatDay('2026-12-05T12:00:00Z')}` })).toBeInTheDocument();
  });

  it('after a passkey is deleted: the next one\'s Delete, else the previous one\'s, else the panel\'s heading', async () => {
    let passkeys = [passkey('p-1', 'Phone', '2026-11-01T12:00:00Z'), passkey('p-2', 'Laptop', '2026-11-02T12:00:00Z'), passkey('p-3', 'Key', '2026-11-03T12:00:00Z')];
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(status({ passkeys }))),
      http.delete(`${API}/auth/mfa/passkeys/:id/`, ({ params }) => {
        passkeys = passkeys.filter((item) => item.id !== params.id);
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json(EMPTY_ACTIVITY)),
    );
    renderApp('/security');
    const user = userEvent.setup();
    const remove = async (name: string) => {
      await user.click(await screen.findByRole('button', { name: new RegExp(`^Delete ${name},`) }));
      await user.click(within(screen.getByRole('alertdialog', { name: 'Delete this passkey?' })).getByRole('button', { name: 'Delete passkey' }));
      await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
      await waitFor(() => expect(screen.queryByRole('button', { name: new RegExp(`^Delete ${name},`) })).not.toBeInTheDocument());
    };

    await remove('Laptop');
    await waitFor(() => expect(screen.getByRole('button', { name: /^Delete Key,/ })).toHaveFocus());
    await remove('Key');
    await waitFor(() => expect(screen.getByRole('button', { name: /^Delete Phone,/ })).toHaveFocus());
    await remove('Phone');
    expect(await screen.findByText('No passkeys yet.')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Passkeys' })).toHaveFocus());
  });

  it('after the authenticator app is turned off ("Turn off…" is gone): the panel\'s heading', async () => {
    let totp: MfaStatus['totp'] = { enabled: true, pending: false, confirmed_at: '2026-12-01T09:00:00Z' };
    server.use(
      http.get(`${API}/auth/mfa/`, () => HttpResponse.json(status({ totp }))),
      http.delete(`${API}/auth/mfa/totp/`, () => {
        totp = { enabled: false, pending: false, confirmed_at: null };
        return new HttpResponse(null, { status: 204 });
      }),
      http.get(`${API}/auth/activity/`, () => HttpResponse.json(EMPTY_ACTIVITY)),
    );
    renderApp('/security');
    const user = userEvent.setup();
    const panel = await screen.findByRole('region', { name: 'Authenticator app' });

    await user.click(await within(panel).findByRole('button', { name: 'Turn off…' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Turn off the authenticator app?' });
    await user.type(within(dialog).getByLabelText('Authenticator code'), '123456');
    await user.click(within(dialog).getByRole('button', { name: 'Turn off' }));

    expect(await within(panel).findByRole('button', { name: 'Set up an authenticator app' })).toBeInTheDocument();
    await waitFor(() => expect(within(panel).getByRole('heading', { name: 'Authenticator app' })).toHaveFocus());
  });
});
