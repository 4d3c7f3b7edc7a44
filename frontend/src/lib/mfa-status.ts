/**
 * GET /auth/mfa/: the account's second factors and how this session was authenticated. The security page
 * shows it; the "Confirm it's you" prompt reads it to offer only the ways that can work. Both use this file.
 */
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect } from '@/types/assert-type';

export const PasskeySchema = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  /** A resident key: it can sign in without a password. */
  discoverable: z.boolean(),
  /** Synced by a password manager or the platform (backup state), so it survives losing this device. */
  backed_up: z.boolean(),
  /** The WebAuthn credential id (base64url) the browser knows it by. */
  credential_id: z.string(),
});
export type Passkey = z.infer<typeof PasskeySchema>;

/** What the browser files this account's passkeys under (the WebAuthn signals in lib/webauthn.ts need it). */
export const WebAuthnAccountSchema = z.object({
  rp_id: z.string(),
  user_handle: z.string(),
  user_name: z.string(),
  user_display_name: z.string(),
  /** A passkey registration is open (this or another tab, another device): the browser is told nothing meanwhile. */
  registration_pending: z.boolean(),
});
export type WebAuthnAccount = z.infer<typeof WebAuthnAccountSchema>;

/** 1: one factor; 2: two factors, or a passkey (docs/mfa.md). A number, not 1 | 2: a later level must not break the page. */
export const AalSchema = z.number().int();

export const MfaStatusSchema = z.object({
  mfa_enabled: z.boolean(),
  /**
   * Adding a factor (the app, a passkey) is refused (403 `email_not_verified`) until the address is confirmed: the
   * server says so here, since only it knows whether verification is on (EMAIL_VERIFICATION=none never asks).
   */
  email_confirmation_required: z.boolean(),
  totp: z.object({ enabled: z.boolean(), pending: z.boolean(), confirmed_at: z.string().nullable() }),
  recovery_codes: z.object({ remaining: z.number(), total: z.number() }),
  passkeys: z.array(PasskeySchema),
  webauthn: WebAuthnAccountSchema,
  session: z.object({
    amr: z.array(z.string()),
    aal: AalSchema,
    authenticated_at: z.string().nullable(),
    reauthenticated_until: z.string().nullable(),
  }),
});
export type MfaStatus = z.infer<typeof MfaStatusSchema>;

// Compile-time only (no runtime code): tsc fails here when these schemas and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<Equals<Passkey, components['schemas']['PasskeyOutput']>>,
  Expect<Equals<WebAuthnAccount, components['schemas']['WebAuthnAccountOutput']>>,
  Expect<Equals<MfaStatus, components['schemas']['MfaStatusOutput']>>,
];

export function getMfaStatus(signal?: AbortSignal): Promise<MfaStatus> {
  return apiRequest('/auth/mfa/', { schema: MfaStatusSchema, signal });
}

export function mfaStatusQueryOptions() {
  return queryOptions({ queryKey: queryKeys.mfa, queryFn: ({ signal }) => getMfaStatus(signal) });
}

export function useMfaStatus() {
  return useQuery(mfaStatusQueryOptions());
}
