import { describe, expect, it } from 'vitest';

import { describeMethods } from '@/lib/authentication-methods';

describe('describeMethods', () => {
  it('names each method a session was signed in with, the first capitalised', () => {
    expect(describeMethods(['pwd', 'otp'])).toBe('Password + authenticator app');
    expect(describeMethods(['email_code'])).toBe('Emailed code');
    expect(describeMethods(['email_code', 'passkey'])).toBe('Emailed code + passkey');
  });

  it('names a sign-in through an OpenID Connect provider single sign-on', () => {
    expect(describeMethods(['oidc'])).toBe('Single sign-on');
    expect(describeMethods(['oidc', 'otp'])).toBe('Single sign-on + authenticator app');
  });

  it('shows an unknown method as sent, and no method as unknown', () => {
    expect(describeMethods(['sms'])).toBe('Sms');
    expect(describeMethods([])).toBe('Unknown');
  });
});
