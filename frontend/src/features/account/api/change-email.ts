import { useMutation, useQueryClient } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { emailAddressSchema } from '@/lib/email-address';
import { queryKeys } from '@/lib/query-keys';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export const EmailChangeInputSchema = z.object({
  new_email: emailAddressSchema('Enter the new email address.'),
  current_password: z.string().min(1, 'Enter your current password.'),
});
export type EmailChangeInput = z.infer<typeof EmailChangeInputSchema>;

/** An account with no password (created through a provider) gives none. */
export const PasswordlessEmailChangeInputSchema = EmailChangeInputSchema.omit({ current_password: true });
export type EmailChangeRequest = EmailChangeInput | z.infer<typeof PasswordlessEmailChangeInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting the request.
export type MatchesApi = Expect<FitsRequest<EmailChangeInput, components['schemas']['EmailChangeInputRequest']>>;

/**
 * 202 whether or not the address can be used (an answer that differed would tell who has an
 * account): a link goes to the new address, and the address changes only once it is opened.
 * 400 with field errors on `new_email` or `current_password`. Without `current_password` (an account with no
 * password), 403 `reauthentication_required` may ask "Confirm it's you" first (through the API client).
 */
export function requestEmailChange(input: EmailChangeRequest): Promise<undefined> {
  return apiRequest('/auth/email/change/', { method: 'POST', body: input });
}

export function useRequestEmailChange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: requestEmailChange,
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.activity });
      // A request, even one refused, may have replaced the pending change: read it again.
      return client.invalidateQueries({ queryKey: queryKeys.pendingEmailChange });
    },
  });
}
