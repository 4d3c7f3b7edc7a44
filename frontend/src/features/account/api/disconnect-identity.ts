import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

/**
 * DELETE /auth/oidc/identities/{id}/: 204, the provider's account no longer signs in to this one. 403
 * `reauthentication_required` asks "Confirm it's you" first (the API client); 404 when it is gone already.
 */
export function disconnectIdentity(id: string): Promise<undefined> {
  return apiRequest(`/auth/oidc/identities/${encodeURIComponent(id)}/`, { method: 'DELETE' });
}

export function useDisconnectIdentity() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: disconnectIdentity,
    onSettled: () => {
      // The change is recorded in the security activity: read again, not awaited.
      void client.invalidateQueries({ queryKey: queryKeys.activity });
      // Gone (204) or already gone (404): the list is read again either way.
      return client.invalidateQueries({ queryKey: queryKeys.oidcIdentities });
    },
  });
}
