import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';

export const PasswordResetInputSchema = z.object({ email: z.email('Enter a valid email address.') });
export type PasswordResetInput = z.infer<typeof PasswordResetInputSchema>;

/** Always 202, whether or not the account exists. */
export function requestPasswordReset(input: PasswordResetInput): Promise<undefined> {
  return apiRequest('/auth/password-reset/', { method: 'POST', body: input, auth: false });
}

export function useRequestPasswordReset() {
  return useMutation({ mutationFn: requestPasswordReset });
}
