import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { startSession } from '@/lib/session';
import { isMfaChallenge, type LoginResult, LoginResultSchema } from '@/features/auth/api/login';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

/** The 8 digits of the email, typed as it shows them ("1234 5678") or not: spaces and hyphens are dropped. */
export const LoginCodeSchema = z
  .string()
  .transform((value) => value.replace(/[\s-]+/g, ''))
  .pipe(z.string().regex(/^\d{8}$/, 'Enter the 8-digit code from the email.'));

export const LoginCodeInputSchema = z.object({ code: LoginCodeSchema });

export type LoginCodeConfirmInput = { login_token: string; code: string };

// Compile-time only (no runtime code): tsc fails here when the body stops fitting POST /auth/login/code/confirm/.
export type MatchesApi = Expect<FitsRequest<LoginCodeConfirmInput, components['schemas']['LoginCodeConfirmInputRequest']>>;

/**
 * POST /auth/login/code/confirm/: what POST /auth/login/ answers, 200 `{user, access}` + cookies or 202 and the
 * second step. Every refusal of the code is 400 `login_code_invalid`; 429 `login_locked` or `throttled`.
 */
export function confirmLoginCode(input: LoginCodeConfirmInput): Promise<LoginResult> {
  return apiRequest('/auth/login/code/confirm/', { method: 'POST', body: input, auth: false, schema: LoginResultSchema });
}

export function useConfirmLoginCode() {
  return useMutation({
    mutationFn: confirmLoginCode,
    onSuccess: (result) => {
      if (!isMfaChallenge(result)) startSession(result.access, result.user);
    },
  });
}
