import { useMutation } from '@tanstack/react-query';
import { z } from '@/lib/zod';
import { apiRequest } from '@/lib/api-client';
import { startSession } from '@/lib/session';
import type { components } from '@/types/api';
import type { Expect, FitsRequest } from '@/types/assert-type';
import { type AuthResponse, AuthResponseSchema } from '@/types/user';

export const LoginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.'),
  password: z.string().min(1, 'Enter your password.'),
});
export type LoginInput = z.infer<typeof LoginInputSchema>;

// Compile-time only (no runtime code): tsc fails here when the form's values stop fitting POST /auth/login/.
export type MatchesApi = Expect<FitsRequest<LoginInput, components['schemas']['LoginInputRequest']>>;

export function login(input: LoginInput): Promise<AuthResponse> {
  return apiRequest('/auth/login/', { method: 'POST', body: input, auth: false, schema: AuthResponseSchema });
}

export function useLogin() {
  return useMutation({
    mutationFn: login,
    onSuccess: ({ access, user }) => startSession(access, user),
  });
}
