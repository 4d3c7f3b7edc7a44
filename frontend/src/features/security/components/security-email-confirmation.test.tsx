import { startRegistration } from '@simplewebauthn/browser';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderApp } from '@/testing/render';
import { mfaStatus, user as verified } from '@/testing/fixtures';
import { isolating } from '@/testing/isolating';
import { API, server } from '@/testing/server';

// jsdom has no WebAuthn: the browser's ceremony is stubbed, and PublicKeyCredential stands for a browser that has it.
vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

afterEach(() => vi.unstubAllGlobals());

const unconfirmed = { ...verified, email_verified: false };
const NOTICE = 'Confirm your email address to turn on two-step verification or add a passkey.';
const REFUSED = {
  detail: 'Confirm your email address before adding a second factor: follow the link we emailed you, or ask for a new one.',
  code: 'email_not_verified',
};


function showSecurity(emailConfirmationRequired: boolean, who = unconfirmed) {
  vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  server.use(http.get(`${API}/auth/mfa/`, () => HttpResponse.json(mfaStatus({ email_confirmation_required: emailConfirmationRequired }))));
  renderApp('/security', { user: who });
}

describe('security page, before the address is confirmed', () => {
  it('says so at the top, with a resend button, and disables adding a factor, described by the notice', async () => {
    const resent: unknown[] = [];
    server.use(
      http.post(`${API}/auth/email/verify/resend/`, async ({ request }) => {
        resent.push(await request.json());
        return new HttpResponse(null, { status: 202 });
      }),
    );
    showSecurity(true);

    const notice = await screen.findByText(NOTICE, { exact: false });
    expect(screen.getByText(isolating(/Open the link we emailed to .+, then come back here\./, unconfirmed.email))).toBeInTheDocument();
    const app = screen.getByRole('button', { name: 'Set up an authenticator app' });
    const passkey = screen.getByRole('button', { name: 'Add a passkey' });
    for (const button of [app, passkey]) {
      expect(button).toBeDisabled();
      expect(button).toHaveAccessibleDescription(`${NOTICE} Open the link we emailed to ${unconfirmed.email}, then come back here.`);
    }
    // Above the panels
    expect(notice.compareDocumentPosition(screen.getByRole('region', { name: 'Authenticator app' })) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    await userEvent.setup().click(screen.getByRole('button', { name: 'Resend the link' }));
    expect(await screen.findByText(isolating(`A new link is on its way to ${unconfirmed.email}. It may take a minute to arrive.`, unconfirmed.email))).toBeInTheDocument();
    expect(resent).toEqual([{ email: unconfirmed.email }]);
  });

  it('shows no notice and lets factors be added when the server does not ask for a confirmed address (verification off)', async () => {
    showSecurity(false);

    expect(await screen.findByRole('button', { name: 'Set up an authenticator app' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Add a passkey' })).toBeEnabled();
    expect(screen.queryByText(NOTICE, { exact: false })).not.toBeInTheDocument();
  });

  it('lets factors be added at once when this tab confirmed the address after the status was read', async () => {
    showSecurity(true, verified);

    expect(await screen.findByRole('button', { name: 'Set up an authenticator app' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Add a passkey' })).toBeEnabled();
    expect(screen.queryByText(NOTICE, { exact: false })).not.toBeInTheDocument();
  });

  it("shows the server's refusal in the authenticator app panel when it refuses all the same", async () => {
    server.use(http.post(`${API}/auth/mfa/totp/`, () => HttpResponse.json(REFUSED, { status: 403 })));
    showSecurity(false);

    await userEvent.setup().click(await screen.findByRole('button', { name: 'Set up an authenticator app' }));

    const panel = screen.getByRole('region', { name: 'Authenticator app' });
    expect(await within(panel).findByText(REFUSED.detail)).toBeInTheDocument();
  });

  it("shows the server's refusal when adding a passkey, before the browser is asked for one", async () => {
    server.use(http.post(`${API}/auth/mfa/passkeys/options/`, () => HttpResponse.json(REFUSED, { status: 403 })));
    showSecurity(false);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Add a passkey' }));
    const naming = await screen.findByRole('dialog', { name: 'Name your passkey' });
    await user.click(within(naming).getByRole('button', { name: 'Save passkey' }));

    expect(await within(naming).findByText(REFUSED.detail)).toBeInTheDocument();
    expect(vi.mocked(startRegistration)).not.toHaveBeenCalled();
  });
});
