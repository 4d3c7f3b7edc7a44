import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import { RecoveryCodesSchema } from '@/features/security/api/confirm-totp';

/** POST /auth/mfa/recovery-codes/ (step-up): ten new codes, the old ones refused from now on. Without MFA: 409. */
export function regenerateRecoveryCodes(): Promise<string[]> {
  return apiRequest('/auth/mfa/recovery-codes/', { method: 'POST', body: {}, schema: RecoveryCodesSchema }).then(({ recovery_codes }) => recovery_codes);
}

export function useRegenerateRecoveryCodes() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: regenerateRecoveryCodes,
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.mfa }),
    // New codes are recorded (recovery_codes_generated): the activity is read again, not awaited.
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
