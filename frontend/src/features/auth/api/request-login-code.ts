import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { emailAddressSchema } from '@/lib/email-address';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

export const LoginCodeRequestInputSchema = z.object({ email: emailAddressSchema() });
export type LoginCodeRequestInput = z.infer<typeof LoginCodeRequestInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/login/code/.
export type MatchesApi = Expect<FitsRequest<LoginCodeRequestInput, components['schemas']['LoginCodeRequestInputRequest']>>;

export const LoginCodeSentSchema = z.object({
  /** This browser's half of the code: the emailed code works only with it (docs/mfa.md). */
  login_token: z.string().min(1),
  /** When a code emailed now stops working. */
  expires_at: z.string(),
});
export type LoginCodeSent = z.infer<typeof LoginCodeSentSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the 202's OpenAPI schema drift apart.
export type SentMatchesApi = Expect<Equals<LoginCodeSent, components['schemas']['LoginCodeRequestOutput']>>;

/**
 * POST /auth/login/code/: 202 whatever the address (so the answer tells nobody whether it has an account); the code
 * goes out by email only if an active account has it. Asking again replaces the token and the code. 429 `throttled`
 * when too many were asked; 404 when the operator turned sign-in by code off.
 */
export function requestLoginCode(input: LoginCodeRequestInput): Promise<LoginCodeSent> {
  return apiRequest('/auth/login/code/', { method: 'POST', body: input, auth: false, schema: LoginCodeSentSchema });
}

export function useRequestLoginCode() {
  return useMutation({ mutationFn: requestLoginCode });
}
