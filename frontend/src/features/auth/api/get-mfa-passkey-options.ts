import { apiRequest } from '@/lib/api-client';
import { WebAuthnOptionsSchema } from '@/lib/webauthn';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

const MfaPasskeyOptionsSchema = z.object({ options: WebAuthnOptionsSchema });

// Compile-time only (no runtime code): tsc fails here when these and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<FitsRequest<{ mfa_token: string }, components['schemas']['MfaAuthenticateOptionsInputRequest']>>,
  Expect<Equals<z.infer<typeof MfaPasskeyOptionsSchema>, components['schemas']['AuthenticationOptionsOutput']>>,
];

/** POST /auth/mfa/authenticate/options/: the WebAuthn request options for this account's passkeys (the second step). */
export function getMfaPasskeyOptions(mfa_token: string) {
  return apiRequest('/auth/mfa/authenticate/options/', { method: 'POST', body: { mfa_token }, auth: false, schema: MfaPasskeyOptionsSchema });
}
