import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { z } from '@/lib/zod';
import type { components } from '@/types/api';
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

export const RecoveryCodesSchema = z.object({ recovery_codes: z.array(z.string()) });

// Compile-time only (no runtime code): tsc fails here when these and the OpenAPI schema drift apart.
export type MatchesApi = [
  Expect<FitsRequest<{ code: string }, components['schemas']['TotpConfirmInputRequest']>>,
  Expect<Equals<z.infer<typeof RecoveryCodesSchema>, components['schemas']['RecoveryCodesOutput']>>,
];

/**
 * POST /auth/mfa/totp/confirm/: 200, the app is enabled; `recovery_codes` are the ten new codes when this is
 * the account's first factor, else []. Wrong code: 400 `mfa_code_invalid`; nothing pending: 409.
 */
export function confirmTotp(code: string): Promise<string[]> {
  return apiRequest('/auth/mfa/totp/confirm/', { method: 'POST', body: { code }, schema: RecoveryCodesSchema }).then(({ recovery_codes }) => recovery_codes);
}

export function useConfirmTotp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: confirmTotp,
    // The session's level may have risen too (the user just proved the factor).
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.mfa }),
    // A wrong code is recorded too (mfa_failed), not only the app enabled: the activity is read again either way.
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
