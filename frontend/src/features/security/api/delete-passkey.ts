import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

/** DELETE /auth/mfa/passkeys/{id}/ (step-up): 204; another user's: 404. */
export function deletePasskey(id: string): Promise<undefined> {
  return apiRequest(`/auth/mfa/passkeys/${encodeURIComponent(id)}/`, { method: 'DELETE' });
}

export function useDeletePasskey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deletePasskey,
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: queryKeys.mfa }), client.invalidateQueries({ queryKey: queryKeys.activity })]),
  });
}
