import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { startSession } from '@/lib/session';
import { assertPasskey, type WebAuthnResponse } from '@/lib/webauthn';
import { getMfaPasskeyOptions } from '@/features/auth/api/get-mfa-passkey-options';
import type { components } from '@/types/api';
import type { Expect } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';

/** The second step's answer: an authenticator code, a recovery code, or a passkey's assertion. */
export type SecondFactor = { code: string } | { recovery_code: string } | { passkey: WebAuthnResponse };

// Compile-time only (no runtime code): each way is a body the endpoint accepts (one way at a time: all optional there).
export type MatchesApi = Expect<({ mfa_token: string } & SecondFactor) extends components['schemas']['MfaAuthenticateInputRequest'] ? true : false>;

/**
 * POST /auth/mfa/authenticate/: 200 `{user, access}` + cookies, exactly as a login. 400 `mfa_code_invalid`,
 * `passkey_invalid`, `mfa_challenge_invalid` or `mfa_challenge_expired`; 429 `login_locked`.
 */
export function authenticateMfa(mfa_token: string, factor: SecondFactor): Promise<AuthResponse> {
  return apiRequest('/auth/mfa/authenticate/', { method: 'POST', body: { mfa_token, ...factor }, auth: false, schema: AuthResponseSchema });
}

export type SecondStepInput = { code: string } | { recovery_code: string } | 'passkey';

/** The second step, whichever way: a passkey runs the ceremony (options, the browser's prompt) first. */
export function useAuthenticateMfa(mfa_token: string) {
  return useMutation({
    mutationFn: async (input: SecondStepInput) => {
      if (input !== 'passkey') return authenticateMfa(mfa_token, input);
      const { options } = await getMfaPasskeyOptions(mfa_token);
      return authenticateMfa(mfa_token, { passkey: await assertPasskey(options) });
    },
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
