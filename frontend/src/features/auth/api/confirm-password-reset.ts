import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { newPasswordSchema, withMatchingConfirm } from '@/lib/password';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';

export const PasswordResetConfirmSchema = withMatchingConfirm(
  z.object({ uid: z.string().min(1), token: z.string().min(1), new_password: newPasswordSchema, confirm: z.string() }),
);
export type PasswordResetConfirmInput = z.infer<typeof PasswordResetConfirmSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting the request.
// `confirm` is the form's second copy of the new password: checked above, never sent.
export type MatchesApi = Expect<
  FitsRequest<Omit<PasswordResetConfirmInput, 'confirm'>, components['schemas']['PasswordResetConfirmInputRequest']>
>;

/** 204 and every session revoked; a bad or used link is a 400 about uid/token. */
export function confirmPasswordReset({ uid, token, new_password }: PasswordResetConfirmInput): Promise<undefined> {
  return apiRequest('/auth/password-reset/confirm/', { method: 'POST', body: { uid, token, new_password }, auth: false });
}

export function useConfirmPasswordReset() {
  return useMutation({ mutationFn: confirmPasswordReset });
}
