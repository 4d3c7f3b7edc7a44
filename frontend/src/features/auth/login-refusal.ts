import { ApiError, type ErrorCode, tryAgainAfter } from '@/lib/api-error';

export type Refusal = { code: Extract<ErrorCode, 'email_not_verified' | 'login_locked'>; message: string };

/**
 * A sign-in refusal that needs more than its sentence: what it means, and the way forward next to it. The
 * password step and the second step share it: wrong codes count on the same lockout as wrong passwords.
 */
export function refusal(error: unknown): Refusal | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 403 && error.code === 'email_not_verified') {
    return {
      code: error.code,
      message: 'Your email address is not verified yet. Open the link we emailed you when you signed up, then sign in. Lost it, or has it expired? Have it sent again.',
    };
  }
  if (error.status === 429 && error.code === 'login_locked') {
    return {
      code: error.code,
      message: `Too many failed attempts to sign in to this account: it is locked on this device for now. ${tryAgainAfter(
        error,
        'Try again later',
      )}, or reset your password to sign in at once.`,
    };
  }
  return null;
}
