import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { type Passkey, PasskeySchema } from '@/lib/mfa-status';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

// Compile-time only (no runtime code): tsc fails here when the body stops fitting the request.
export type MatchesApi = Expect<FitsRequest<{ name: string }, components['schemas']['PatchedPasskeyRenameInputRequest']>>;

/** PATCH /auth/mfa/passkeys/{id}/: 200 the passkey; another user's: 404. */
export function renamePasskey(id: string, name: string): Promise<Passkey> {
  return apiRequest(`/auth/mfa/passkeys/${encodeURIComponent(id)}/`, { method: 'PATCH', body: { name }, schema: PasskeySchema });
}

export function useRenamePasskey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => renamePasskey(id, name),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.mfa }),
  });
}
