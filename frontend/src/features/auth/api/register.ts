import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { startSession } from '@/lib/session';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';

export const RegisterInputSchema = z.object({
  name: z.string().trim().max(150, 'At most 150 characters.'),
  email: z.email('Enter a valid email address.').max(254),
  // The server's password validators (length, common, similarity) have the last word.
  password: z.string().min(8, 'Use at least 8 characters.').max(128, 'At most 128 characters.'),
});
export type RegisterInput = z.infer<typeof RegisterInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/register/.
export type MatchesApi = Expect<FitsRequest<RegisterInput, components['schemas']['RegisterInputRequest']>>;

export function register(input: RegisterInput): Promise<AuthResponse> {
  return apiRequest('/auth/register/', { method: 'POST', body: input, auth: false, schema: AuthResponseSchema });
}

export function useRegister() {
  return useMutation({
    mutationFn: register,
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
