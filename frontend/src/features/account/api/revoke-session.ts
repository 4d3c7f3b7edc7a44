import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';

/** 204; that device's tokens stop working at once. */
export function revokeSession(id: string): Promise<undefined> {
  return apiRequest(`/auth/sessions/${encodeURIComponent(id)}/`, { method: 'DELETE' });
}

export function useRevokeSession() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: revokeSession,
    onSettled: () => {
      // The revocation is recorded (session_revoked): the activity is read again too, not awaited.
      void client.invalidateQueries({ queryKey: queryKeys.activity });
      // Signing out the session that asked for an email change cancels that change.
      void client.invalidateQueries({ queryKey: queryKeys.pendingEmailChange });
      return client.invalidateQueries({ queryKey: queryKeys.sessions });
    },
  });
}
