import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export const PasswordChangeSchema = z
  .object({
    current_password: z.string().min(1, 'Enter your current password.'),
    new_password: z.string().min(8, 'Use at least 8 characters.').max(128, 'At most 128 characters.'),
    confirm: z.string(),
  })
  .refine((values) => values.new_password === values.confirm, { path: ['confirm'], message: 'The passwords do not match.' });
export type PasswordChangeInput = z.infer<typeof PasswordChangeSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting the request.
// `confirm` is the form's second copy of the new password: checked above, never sent.
export type MatchesApi = Expect<FitsRequest<Omit<PasswordChangeInput, 'confirm'>, components['schemas']['PasswordChangeInputRequest']>>;

/** 204; the server revokes every other session, so the sessions list changes too, and cancels a pending email change. */
export function changePassword({ current_password, new_password }: PasswordChangeInput): Promise<undefined> {
  return apiRequest('/auth/password/', { method: 'POST', body: { current_password, new_password } });
}

export function useChangePassword() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: changePassword,
    onSuccess: () => {
      // A new password cancels a pending email change (its link is bound to the password).
      void client.invalidateQueries({ queryKey: queryKeys.pendingEmailChange });
      return client.invalidateQueries({ queryKey: queryKeys.sessions });
    },
    // A change and a wrong current password are both recorded (password_changed, password_check_failed): the
    // activity is read again either way. Not awaited: the form's answer does not wait for the list.
    onSettled: () => void client.invalidateQueries({ queryKey: queryKeys.activity }),
  });
}
