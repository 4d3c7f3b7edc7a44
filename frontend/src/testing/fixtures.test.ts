import { describe, expect, it } from 'vitest';
import { MfaStatusSchema } from '@/lib/mfa-status';
import { mfaStatus, webauthnAccount } from '@/testing/fixtures';

describe('mfaStatus fixture', () => {
  it('is a GET /auth/mfa/ answer the SPA accepts: no second factor, a password sign-in (aal 1)', () => {
    const status = mfaStatus();
    expect(MfaStatusSchema.parse(status)).toEqual(status);
    expect(status).toMatchObject({ mfa_enabled: false, passkeys: [], webauthn: webauthnAccount, session: { amr: ['pwd'], aal: 1 } });
  });

  it('takes overrides of whole fields, and builds a fresh object each time', () => {
    const withApp = mfaStatus({ mfa_enabled: true, recovery_codes: { remaining: 9, total: 10 } });
    expect(MfaStatusSchema.parse(withApp)).toEqual(withApp);
    expect(withApp.recovery_codes).toEqual({ remaining: 9, total: 10 });
    expect(withApp.totp).toEqual(mfaStatus().totp);
    expect(mfaStatus()).not.toBe(mfaStatus());
  });
});
