import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { emailAddressSchema } from '@/lib/email-address';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export const PasswordResetInputSchema = z.object({ email: emailAddressSchema() });
export type PasswordResetInput = z.infer<typeof PasswordResetInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/password-reset/.
export type MatchesApi = Expect<FitsRequest<PasswordResetInput, components['schemas']['PasswordResetInputRequest']>>;

/** Always 202, whether or not the account exists. */
export function requestPasswordReset(input: PasswordResetInput): Promise<undefined> {
  return apiRequest('/auth/password-reset/', { method: 'POST', body: input, auth: false });
}

export function useRequestPasswordReset() {
  return useMutation({ mutationFn: requestPasswordReset });
}
