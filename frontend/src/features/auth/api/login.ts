import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { startSession } from '@/lib/session';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';

export const LoginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.'),
  password: z.string().min(1, 'Enter your password.'),
});
export type LoginInput = z.infer<typeof LoginInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/login/.
export type MatchesApi = Expect<FitsRequest<LoginInput, components['schemas']['LoginInputRequest']>>;

/** 202 for an account with a second factor: the password was right, now the second step (docs/mfa.md). */
export const MfaChallengeSchema = z.object({
  /** Always true. */
  mfa_required: z.boolean(),
  /** Single-use, short-lived; it authenticates nothing but this sign-in's second step. */
  mfa_token: z.string().min(1),
  methods: z.array(z.enum(['totp', 'recovery_code', 'passkey'])),
  expires_at: z.string(),
});
export type MfaChallenge = z.infer<typeof MfaChallengeSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the 202's OpenAPI schema drift apart.
export type ChallengeMatchesApi = Expect<Equals<MfaChallenge, components['schemas']['MfaChallengeOutput']>>;

export type LoginResult = AuthResponse | MfaChallenge;

/** Either answer: signed in (200), or the second step to take (202); a sign-in with an emailed code answers the same. */
export const LoginResultSchema = {
  safeParse(data: unknown): { success: true; data: LoginResult } | { success: false; error: unknown } {
    const signedIn = AuthResponseSchema.safeParse(data);
    return signedIn.success ? signedIn : MfaChallengeSchema.safeParse(data);
  },
};

export function isMfaChallenge(result: LoginResult): result is MfaChallenge {
  return 'mfa_required' in result;
}

export function login(input: LoginInput): Promise<LoginResult> {
  return apiRequest('/auth/login/', { method: 'POST', body: input, auth: false, schema: LoginResultSchema });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: (result) => {
      if (!isMfaChallenge(result)) startSession(result.access, result.user);
    },
  });
}
