import { apiRequest } from '@/lib/api-client';
import { WebAuthnOptionsSchema } from '@/lib/webauthn';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

const PasskeyOptionsSchema = z.object({ passkey_token: z.string(), options: WebAuthnOptionsSchema });

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<z.infer<typeof PasskeyOptionsSchema>, components['schemas']['PasswordlessOptionsOutput']>>;

/** POST /auth/passkey/options/: a ceremony for any discoverable passkey of this site (no account named, no allowCredentials). */
export function getPasskeySignInOptions() {
  return apiRequest('/auth/passkey/options/', { method: 'POST', body: {}, auth: false, schema: PasskeyOptionsSchema });
}
