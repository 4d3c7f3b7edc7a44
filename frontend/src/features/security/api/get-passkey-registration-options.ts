import { apiRequest } from '@/lib/api-client';
import { WebAuthnOptionsSchema } from '@/lib/webauthn';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

const RegistrationOptionsSchema = z.object({ registration_token: z.string(), options: WebAuthnOptionsSchema });
export type RegistrationOptions = z.infer<typeof RegistrationOptionsSchema>;

// Compile-time only (no runtime code): tsc fails here when this schema and the OpenAPI schema drift apart.
export type MatchesApi = Expect<Equals<RegistrationOptions, components['schemas']['PasskeyRegistrationOptionsOutput']>>;

/** POST /auth/mfa/passkeys/options/ (step-up): the creation options, and the token that binds them to the registration. */
export function getPasskeyRegistrationOptions(): Promise<RegistrationOptions> {
  return apiRequest('/auth/mfa/passkeys/options/', { method: 'POST', body: {}, schema: RegistrationOptionsSchema });
}
