/**
 * POST /auth/reauthenticate/ (and its passkey options): a recent authentication for this session, which
 * the sensitive endpoints require (docs/mfa.md, "Re-authentication"). Used by the "Confirm it's you"
 * prompt. These requests never prompt themselves (`reauthenticate: false`): their 403 is the answer.
 */
import { apiRequest } from '@/lib/api-client';
import { assertPasskey, type WebAuthnResponse, WebAuthnOptionsSchema } from '@/lib/webauthn';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const ReauthenticatedSchema = z.object({ authenticated_at: z.string(), reauthenticated_until: z.string() });
export type Reauthenticated = z.infer<typeof ReauthenticatedSchema>;

const ReauthOptionsSchema = z.object({ reauth_token: z.string(), options: WebAuthnOptionsSchema });

export type ReauthenticateInput = { password: string } | { code: string } | { recovery_code: string };

// Compile-time only (no runtime code): tsc fails here when these types and the OpenAPI schema drift apart.
type Body = components['schemas']['ReauthenticateInputRequest'];
export type MatchesApi = [
  Expect<Equals<Reauthenticated, components['schemas']['ReauthenticatedOutput']>>,
  Expect<Equals<z.infer<typeof ReauthOptionsSchema>, components['schemas']['ReauthenticateOptionsOutput']>>,
  // Each way is a body the endpoint accepts (its fields are all optional: one way at a time).
  Expect<ReauthenticateInput | { reauth_token: string; passkey: WebAuthnResponse } extends Body ? true : false>,
];

export function reauthenticate(input: ReauthenticateInput): Promise<Reauthenticated> {
  return apiRequest('/auth/reauthenticate/', { method: 'POST', body: input, schema: ReauthenticatedSchema, reauthenticate: false });
}

/** The whole passkey ceremony: the server's options, the browser's prompt, the server's check. */
export async function reauthenticateWithPasskey(): Promise<Reauthenticated> {
  const { reauth_token, options } = await apiRequest('/auth/reauthenticate/options/', {
    method: 'POST',
    body: {},
    schema: ReauthOptionsSchema,
    reauthenticate: false,
  });
  const passkey = await assertPasskey(options);
  return apiRequest('/auth/reauthenticate/', { method: 'POST', body: { reauth_token, passkey }, schema: ReauthenticatedSchema, reauthenticate: false });
}
