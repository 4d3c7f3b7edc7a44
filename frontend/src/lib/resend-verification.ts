/**
 * POST /auth/email/verify/resend/: another verification link for an address. Public, and always 202
 * whether or not an unverified account has that address (429 when rate limited). Several features ask
 * for it (sign-in, registration, the verification page, the account page), so it lives here.
 */
import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

// Compile-time only (no runtime code): tsc fails here when the body stops fitting the request.
export type MatchesApi = Expect<FitsRequest<{ email: string }, components['schemas']['EmailVerifyResendInputRequest']>>;

export function resendVerificationEmail(email: string): Promise<undefined> {
  return apiRequest('/auth/email/verify/resend/', { method: 'POST', body: { email }, auth: false });
}

export function useResendVerification() {
  return useMutation({ mutationFn: resendVerificationEmail });
}
