import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Expect } from '@/types/assert-type';

export type DisableTotpInput = { code: string } | { recovery_code: string };

// Compile-time only (no runtime code): each way is a body the endpoint accepts (one at a time: both optional there).
export type MatchesApi = Expect<DisableTotpInput extends components['schemas']['TotpDisableInputRequest'] ? true : false>;

/** DELETE /auth/mfa/totp/ (step-up), proved with a code: 204. With no factor left, the recovery codes go too. */
export function disableTotp(input: DisableTotpInput): Promise<undefined> {
  return apiRequest('/auth/mfa/totp/', { method: 'DELETE', body: input });
}

export function useDisableTotp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: disableTotp,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.mfa }),
    // A wrong code is recorded too (mfa_failed), not only the app disabled: the activity is read again either way.
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
