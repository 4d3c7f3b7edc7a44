import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { signedOutInEveryTab } from '@/lib/session';
import { showToast } from '@/lib/toasts';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export interface DeleteAccountInput {
  current_password: string;
}

// Compile-time only (no runtime code): tsc fails here when the body stops fitting DELETE /auth/me/.
export type MatchesApi = Expect<FitsRequest<DeleteAccountInput, components['schemas']['AccountDeleteInputRequest']>>;

/**
 * 204: the account is gone, the refresh cookie cleared and every token refused. 400 on `current_password`. An
 * account with no password (created through a provider) sends none: 403 `reauthentication_required` may then ask
 * "Confirm it's you" first (through the API client).
 */
export function deleteAccount(input: DeleteAccountInput | Record<string, never>): Promise<undefined> {
  return apiRequest('/auth/me/', { method: 'DELETE', body: 'current_password' in input ? { current_password: input.current_password } : {} });
}

export function useDeleteAccount() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteAccount,
    // A refused attempt (a wrong current password) is in the security activity now, as for the other forms. Not
    // awaited: the mutation would stay pending, its dialog "Deleting…", until the activity had been fetched again.
    onError: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
    onSuccess: () => {
      // As after a sign-out: this tab forgets everything and tells the other tabs, and the route
      // guard takes this one to /login, where the toast is shown.
      signedOutInEveryTab();
      showToast({ message: 'Your account was deleted.' });
    },
  });
}
