import { useMutation } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { ApiError } from '@/lib/api-error';
import { startSession } from '@/lib/session';
import { assertPasskey, signalUnknownPasskey, type WebAuthnResponse } from '@/lib/webauthn';
import { getPasskeySignInOptions } from '@/features/auth/api/get-passkey-sign-in-options';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';

// Compile-time only (no runtime code): tsc fails here when the body stops fitting POST /auth/passkey/login/.
export type MatchesApi = Expect<FitsRequest<{ passkey_token: string; passkey: WebAuthnResponse }, components['schemas']['PasswordlessLoginInputRequest']>>;

/**
 * POST /auth/passkey/login/: 200 `{user, access}` + cookies, as a login; a response that does not verify: 400
 * `passkey_invalid`; a credential the server no longer has (deleted, or its account deleted): 400 `passkey_unknown`.
 */
export function passkeyLogin(passkey_token: string, passkey: WebAuthnResponse): Promise<AuthResponse> {
  return apiRequest('/auth/passkey/login/', { method: 'POST', body: { passkey_token, passkey }, auth: false, schema: AuthResponseSchema });
}

/** Passwordless sign-in: the options, the browser's passkey prompt, then the server's check. */
export function usePasskeyLogin() {
  return useMutation({
    mutationFn: async () => {
      const { passkey_token, options } = await getPasskeySignInOptions();
      const passkey = await assertPasskey(options);
      try {
        return await passkeyLogin(passkey_token, passkey);
      } catch (error) {
        // Gone for good: the device stops offering it (the page still shows the server's words).
        if (error instanceof ApiError && error.code === 'passkey_unknown' && typeof options.rpId === 'string') {
          await signalUnknownPasskey(options.rpId, String(passkey.id));
        }
        throw error;
      }
    },
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
