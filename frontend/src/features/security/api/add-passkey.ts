import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { PasskeySchema } from '@/lib/mfa-status';
import { queryKeys } from '@/lib/query-keys';
import { createPasskey, type WebAuthnResponse } from '@/lib/webauthn';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';
import { getPasskeyRegistrationOptions } from '@/features/security/api/get-passkey-registration-options';

const AddedPasskeySchema = z.object({ passkey: PasskeySchema, recovery_codes: z.array(z.string()) });
export type AddedPasskey = z.infer<typeof AddedPasskeySchema>;

/** A passkey the browser created, not yet saved by the server (the panel saves it at once, with its name). */
export interface CreatedPasskey {
  registration_token: string;
  passkey: WebAuthnResponse;
}

export const PasskeyNameSchema = z.object({ name: z.string().trim().min(1, 'Give it a name.').max(64, 'At most 64 characters.') });

// Compile-time only (no runtime code): tsc fails here when these and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<FitsRequest<CreatedPasskey & { name: string }, components['schemas']['PasskeyRegisterInputRequest']>>,
  Expect<Equals<AddedPasskey, components['schemas']['PasskeyRegisteredOutput']>>,
];

/** The first half of adding a passkey: the server's options, then the browser's prompt. */
export async function createPasskeyCredential(): Promise<CreatedPasskey> {
  const { registration_token, options } = await getPasskeyRegistrationOptions();
  return { registration_token, passkey: await createPasskey(options) };
}

/**
 * POST /auth/mfa/passkeys/: 201 `{passkey, recovery_codes}` (ten new codes if it is the account's first factor,
 * else []). Bad attestation, wrong challenge or origin, a credential already registered: 400 `passkey_invalid`.
 */
export function addPasskey(created: CreatedPasskey, name: string): Promise<AddedPasskey> {
  return apiRequest('/auth/mfa/passkeys/', { method: 'POST', body: { ...created, name }, schema: AddedPasskeySchema });
}

export function useCreatePasskeyCredential() {
  return useMutation({ mutationFn: createPasskeyCredential });
}

export function useAddPasskey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ created, name }: { created: CreatedPasskey; name: string }) => addPasskey(created, name),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: queryKeys.mfa }), client.invalidateQueries({ queryKey: queryKeys.activity })]),
  });
}
