import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { newPasswordSchema, withMatchingConfirm } from '@/lib/password';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export const PasswordChangeSchema = withMatchingConfirm(
  z.object({
    current_password: z.string().min(1, 'Enter your current password.'),
    new_password: newPasswordSchema,
    confirm: z.string(),
  }),
);

/** An account with no password yet (created through a provider): it sets one, with no current one to give. */
export const PasswordSetSchema = withMatchingConfirm(z.object({ new_password: newPasswordSchema, confirm: z.string() }));

export type PasswordChangeInput = z.infer<typeof PasswordChangeSchema>;
export type PasswordInput = PasswordChangeInput | z.infer<typeof PasswordSetSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting the request.
// `confirm` is the form's second copy of the new password: checked above, never sent.
export type MatchesApi = Expect<FitsRequest<Omit<PasswordChangeInput, 'confirm'>, components['schemas']['PasswordChangeInputRequest']>>;

/**
 * 204; the server revokes every other session, so the sessions list changes too, and cancels a pending email change.
 * Without `current_password`: an account with none sets its first password (403 `reauthentication_required` asks
 * "Confirm it's you" first, through the API client).
 */
export function changePassword(input: PasswordInput): Promise<undefined> {
  const body = 'current_password' in input ? { current_password: input.current_password, new_password: input.new_password } : { new_password: input.new_password };
  return apiRequest('/auth/password/', { method: 'POST', body });
}

export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: changePassword,
    onSuccess: () => {
      // A new password cancels a pending email change (its link is bound to the password).
      void client.invalidateQueries({ queryKey: queryKeys.pendingEmailChange });
      // A first password: the forms ask for it from now on (has_password).
      void client.invalidateQueries({ queryKey: queryKeys.oidcIdentities });
      return client.invalidateQueries({ queryKey: queryKeys.sessions });
    },
    // A change and a wrong current password are both recorded (password_changed, password_check_failed): the
    // activity is read again either way. Not awaited: the form's answer does not wait for the list.
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
